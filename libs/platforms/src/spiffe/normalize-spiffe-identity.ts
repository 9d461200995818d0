import type { Identity } from '../identity';
import type { VerifiedPlatformJwt } from '../jwt/verify-platform-jwt';
import type { PlatformConfig } from '../platform-config';
import type { SpiffeClaims } from './read-spiffe-claims';

/**
 * The normalized identity of a verified JWT-SVID: `subject` and `spiffeId` are the `sub`; `issuer`
 * is the platform's (a JWT-SVID's own `iss` is optional). `tokenId` and `issuedAt` are absent when
 * the token has no `jti` or `iat`.
 */
export function normalizeSpiffeIdentity(
  platform: PlatformConfig,
  jwt: VerifiedPlatformJwt,
  spiffe: SpiffeClaims,
): Identity {
  const { jti } = jwt.claims;
  return {
    platform: platform.name,
    kind: 'spiffe',
    issuer: platform.issuer,
    subject: spiffe.spiffeId,
    audience: jwt.audience,
    ...(typeof jti === 'string' && jti !== '' ? { tokenId: jti } : {}),
    ...(jwt.issuedAt === undefined ? {} : { issuedAt: jwt.issuedAt }),
    expiresAt: jwt.expiresAt,
    spiffeId: spiffe.spiffeId,
    trustDomain: spiffe.trustDomain,
    path: spiffe.path,
  };
}
