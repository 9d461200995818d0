import type { JWTPayload } from 'jose';
import { VerificationError } from '../errors/verification-error';

/** The time claims of a token, in seconds since the epoch. */
export interface TokenTimes {
  expiresAt: number;
  issuedAt?: number;
  notBefore?: number;
}

/**
 * The checks jose leaves to the caller: `exp` is required, `iat` may not lie in the future beyond
 * the skew, and the lifetime `exp - iat` (else `exp - nbf`, else `exp - now`) is capped. jose has
 * already refused an expired token, a future `nbf` and non-numeric dates.
 */
export function checkTokenTimes(
  claims: JWTPayload,
  now: Date,
  clockSkewSeconds: number,
  maxLifetimeSeconds: number,
): TokenTimes {
  const { exp, iat, nbf } = claims;
  if (exp === undefined) {
    throw new VerificationError('missing_claim', 'the "exp" claim is missing');
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (iat !== undefined && iat > nowSeconds + clockSkewSeconds) {
    throw new VerificationError('issued_in_future');
  }
  if (exp - (iat ?? nbf ?? nowSeconds) > maxLifetimeSeconds) {
    throw new VerificationError('lifetime_too_long');
  }
  return {
    expiresAt: exp,
    ...(iat === undefined ? {} : { issuedAt: iat }),
    ...(nbf === undefined ? {} : { notBefore: nbf }),
  };
}
