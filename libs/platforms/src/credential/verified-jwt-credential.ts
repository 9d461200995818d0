import type { Identity, VerifiedCredential } from '../identity';
import type { VerifiedPlatformJwt } from '../jwt/verify-platform-jwt';
import type { PlatformConfig } from '../platform-config';
import type { PresentedCredential } from './presented-credential';
import { replayKey } from './replay-key';

/** The outcome of a verified platform JWT: its claims, identity, expiry and replay key (`jti`, else digest). */
export function verifiedJwtCredential(
  credential: PresentedCredential,
  platform: PlatformConfig,
  jwt: VerifiedPlatformJwt,
  identity: Identity,
): VerifiedCredential {
  return {
    claims: jwt.claims,
    identity,
    expiresAt: jwt.expiresAt,
    ...(identity.tokenId === undefined ? {} : { tokenId: identity.tokenId }),
    replayKey: replayKey(platform.issuer, identity.tokenId, credential.token),
  };
}
