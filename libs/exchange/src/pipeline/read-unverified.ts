import { showValue, truncate, type PresentedCredential } from '@fedbroker/platforms';

/** The longest unverified value kept: room for any real issuer URL, subject or token id. */
export const MAX_UNVERIFIED_LENGTH = 512;

/** What a credential says of itself, read without verifying it. */
export interface UnverifiedClaims {
  issuer?: string;
  subject?: string;
  tokenId?: string;
}

function read(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string'
    ? truncate(value, MAX_UNVERIFIED_LENGTH)
    : showValue(value, MAX_UNVERIFIED_LENGTH);
}

/**
 * The `iss`, `sub` and `jti` a decoded JWT claims, each bounded (a string as it is, anything else as
 * JSON); `undefined` for a credential that is not a JWT or says none of them.
 */
export function readUnverified(presented: PresentedCredential | undefined): UnverifiedClaims | undefined {
  const claims = presented?.jwt?.claims;
  if (claims === undefined) return undefined;
  const issuer = read(claims.iss);
  const subject = read(claims.sub);
  const tokenId = read(claims.jti);
  if (issuer === undefined && subject === undefined && tokenId === undefined) return undefined;
  return {
    ...(issuer === undefined ? {} : { issuer }),
    ...(subject === undefined ? {} : { subject }),
    ...(tokenId === undefined ? {} : { tokenId }),
  };
}
