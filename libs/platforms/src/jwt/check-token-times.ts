import type { JWTPayload } from 'jose';
import { missingClaim } from '../errors/claim-errors';
import { showTime } from '../errors/show-value';
import { clockWithSkew, timeError } from '../errors/time-errors';

/** The time claims of a token, in seconds since the epoch. */
export interface TokenTimes {
  expiresAt: number;
  issuedAt?: number;
  notBefore?: number;
}

/**
 * The checks jose leaves to the caller: `exp` is required, `iat` may not lie in the future beyond
 * the skew, and the lifetime `exp - iat` (else `exp - nbf`, else `exp - now`) is capped. jose has
 * already refused an expired token, a future `nbf` and non-numeric dates. A refusal names the times,
 * the clock and the cap, which the client may see.
 */
export function checkTokenTimes(
  claims: JWTPayload,
  now: Date,
  clockSkewSeconds: number,
  maxLifetimeSeconds: number,
): TokenTimes {
  const { exp, iat, nbf } = claims;
  if (exp === undefined) throw missingClaim('exp');
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (iat !== undefined && iat > nowSeconds + clockSkewSeconds) {
    throw timeError(
      'issued_in_future',
      `iat ${showTime(iat)} is after now ${clockWithSkew(now, clockSkewSeconds)}`,
    );
  }
  const [start, measure] = lifetimeStart(iat, nbf, nowSeconds);
  const lifetime = exp - start;
  if (lifetime > maxLifetimeSeconds) {
    throw timeError(
      'lifetime_too_long',
      `${measure} is ${lifetime} s, over the cap of ${maxLifetimeSeconds} s (exp ${showTime(exp)})`,
    );
  }
  return {
    expiresAt: exp,
    ...(iat === undefined ? {} : { issuedAt: iat }),
    ...(nbf === undefined ? {} : { notBefore: nbf }),
  };
}

function lifetimeStart(iat: number | undefined, nbf: number | undefined, now: number): [number, string] {
  if (iat !== undefined) return [iat, 'exp - iat'];
  if (nbf !== undefined) return [nbf, 'exp - nbf'];
  return [now, 'exp - now'];
}
