import { replayKey } from '../credential/replay-key';
import type { PresentedCredential } from '../credential/presented-credential';
import { showValue } from '../errors/show-value';
import { VerificationError, verificationMessage } from '../errors/verification-error';
import type { Identity, VerifiedCredential } from '../identity';
import { verifyPlatformJwt, type VerifiedPlatformJwt } from '../jwt/verify-platform-jwt';
import type { VerifyContext } from '../platform-adapter';
import type { PlatformConfig } from '../platform-config';
import { azureKeySource } from './azure-key-source';
import { parseTenantIssuer, tenantIssuers } from './entra-issuers';
import { readEntraClaims, type EntraClaims } from './read-entra-claims';

/** Entra signs access and ID tokens with RS256 only. */
const ENTRA_ALGORITHMS = ['RS256'];

function normalize(platform: PlatformConfig, jwt: VerifiedPlatformJwt, entra: EntraClaims): Identity {
  const { tokenId, ...fields } = entra;
  return {
    platform: platform.name,
    kind: 'azure',
    issuer: String(jwt.claims.iss),
    subject: String(jwt.claims.sub),
    audience: jwt.audience,
    ...(tokenId === undefined ? {} : { tokenId }),
    ...(jwt.issuedAt === undefined ? {} : { issuedAt: jwt.issuedAt }),
    expiresAt: jwt.expiresAt,
    ...fields,
  };
}

/**
 * Verifies an Entra ID access token (a managed identity's, from IMDS, or any app-only token of the
 * tenant) for an Azure platform: no header `nonce` (Microsoft Graph tokens, which only Graph can
 * verify), RS256, either issuer form of the platform's tenant, the signature against its key
 * source, the times, the audience and the lifetime cap, then the Entra claims.
 *
 * @throws {VerificationError} when the token is refused.
 */
export async function verifyEntraToken(
  credential: PresentedCredential,
  platform: PlatformConfig,
  tenantId: string,
  maxLifetimeSeconds: number,
  ctx: VerifyContext,
): Promise<VerifiedCredential> {
  if (credential.jwt !== undefined && 'nonce' in credential.jwt.header) {
    throw new VerificationError(
      'malformed',
      'a token with a header nonce (a Microsoft Graph token) cannot be verified outside Microsoft Graph',
    );
  }
  const jwt = await verifyPlatformJwt(credential, platform, ctx, {
    maxLifetimeSeconds,
    issuers: tenantIssuers(platform.issuer),
    algorithms: ENTRA_ALGORITHMS,
    keySource: azureKeySource(platform),
  });
  const issuer = parseTenantIssuer(jwt.claims.iss);
  if (issuer === undefined) {
    throw new VerificationError(
      'issuer_not_trusted',
      verificationMessage(
        'issuer_not_trusted',
        `the "iss" claim ${showValue(jwt.claims.iss)} is not an Entra issuer`,
      ),
    );
  }
  const entra = readEntraClaims(jwt.claims, tenantId, issuer);
  const identity = normalize(platform, jwt, entra);
  return {
    claims: jwt.claims,
    identity,
    expiresAt: jwt.expiresAt,
    ...(entra.tokenId === undefined ? {} : { tokenId: entra.tokenId }),
    replayKey: replayKey(identity.issuer, entra.tokenId, credential.token),
  };
}
