import { invalidClaim, missingClaim } from '../errors/claim-errors';
import type { Identity } from '../identity';
import type { VerifiedPlatformJwt } from '../jwt/verify-platform-jwt';
import type { PlatformConfig } from '../platform-config';

/**
 * The common identity fields of a verified platform JWT (API.md, "The normalized identity"):
 * `sub` is required; `tokenId` and `issuedAt` are absent when the token has no `jti` or `iat`.
 *
 * @throws {VerificationError} `missing_claim` or `claim_invalid` for the `sub` claim.
 */
export function jwtIdentityBase(platform: PlatformConfig, jwt: VerifiedPlatformJwt): Identity {
  const { sub, jti } = jwt.claims;
  if (sub === undefined || sub === '') {
    throw missingClaim('sub');
  }
  if (typeof sub !== 'string') {
    throw invalidClaim('sub');
  }
  return {
    platform: platform.name,
    kind: platform.kind,
    issuer: platform.issuer,
    subject: sub,
    audience: jwt.audience,
    ...(typeof jti === 'string' && jti !== '' ? { tokenId: jti } : {}),
    ...(jwt.issuedAt === undefined ? {} : { issuedAt: jwt.issuedAt }),
    expiresAt: jwt.expiresAt,
  };
}
