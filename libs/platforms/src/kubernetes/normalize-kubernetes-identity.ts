import type { Identity } from '../identity';
import type { VerifiedPlatformJwt } from '../jwt/verify-platform-jwt';
import type { PlatformConfig } from '../platform-config';
import type { KubernetesClaims } from './read-kubernetes-claims';

/**
 * The normalized identity of a verified projected service-account token. Fields the token does
 * not carry (`tokenId`, `issuedAt`, pod and node) are absent.
 */
export function normalizeKubernetesIdentity(
  platform: PlatformConfig,
  jwt: VerifiedPlatformJwt,
  kubernetes: KubernetesClaims,
): Identity {
  const { jti, sub = '' } = jwt.claims;
  return {
    platform: platform.name,
    kind: 'kubernetes',
    issuer: platform.issuer,
    subject: sub,
    audience: jwt.audience,
    ...(typeof jti === 'string' && jti !== '' ? { tokenId: jti } : {}),
    ...(jwt.issuedAt === undefined ? {} : { issuedAt: jwt.issuedAt }),
    expiresAt: jwt.expiresAt,
    ...kubernetes,
  };
}
