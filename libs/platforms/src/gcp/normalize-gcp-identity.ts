import type { Identity } from '../identity';
import type { VerifiedPlatformJwt } from '../jwt/verify-platform-jwt';
import type { PlatformConfig } from '../platform-config';
import type { ComputeEngineClaims } from './read-compute-engine-claims';
import type { ServiceAccountClaims } from './read-service-account-claims';

/**
 * The normalized identity of a verified Google identity token: the service account, and the
 * instance when the token carries `google.compute_engine`. Google tokens carry no `jti`, so
 * `tokenId` is absent unless one is present.
 */
export function normalizeGcpIdentity(
  platform: PlatformConfig,
  jwt: VerifiedPlatformJwt,
  serviceAccount: ServiceAccountClaims,
  instance: ComputeEngineClaims,
): Identity {
  const { jti } = jwt.claims;
  return {
    platform: platform.name,
    kind: 'gcp',
    issuer: platform.issuer,
    subject: serviceAccount.serviceAccountId,
    audience: jwt.audience,
    ...(typeof jti === 'string' && jti !== '' ? { tokenId: jti } : {}),
    ...(jwt.issuedAt === undefined ? {} : { issuedAt: jwt.issuedAt }),
    expiresAt: jwt.expiresAt,
    ...serviceAccount,
    ...instance,
  };
}
