import { replayKey } from '../../credential/replay-key';
import type { PresentedCredential } from '../../credential/presented-credential';
import { invalidClaim, missingClaim } from '../../errors/claim-errors';
import type { VerifiedCredential } from '../../identity';
import { verifyPlatformJwt } from '../../jwt/verify-platform-jwt';
import type { VerifyContext } from '../../platform-adapter';
import type { PlatformConfig } from '../../platform-config';
import { awsIdentity } from '../aws-identity';
import { parsePrincipalArn } from '../aws-principal-arn';
import { DEFAULT_AWS_MAX_TOKEN_LIFETIME_SECONDS, type AwsSettings } from '../aws-settings.schema';
import { AWS_CLAIM_NAMESPACE, readWebIdentityClaims } from './read-web-identity-claims';

/** The algorithms `GetWebIdentityToken` signs with (its `SigningAlgorithm` parameter). */
export const WEB_IDENTITY_ALGORITHMS: readonly string[] = ['RS256', 'ES384'];

/**
 * Verifies a `GetWebIdentityToken` JWT: the shared JWT checks (exact issuer, RS256 or ES384, keys
 * from the platform's source, times, audience, lifetime cap), `sub` an IAM principal ARN, and the
 * `https://sts.amazonaws.com/` account equal to the platform's account and to `sub`'s.
 *
 * @throws {VerificationError} when the token is refused.
 */
export async function verifyWebIdentityToken(
  credential: PresentedCredential,
  platform: PlatformConfig,
  settings: AwsSettings,
  ctx: VerifyContext,
): Promise<VerifiedCredential> {
  const jwt = await verifyPlatformJwt(credential, platform, ctx, {
    maxLifetimeSeconds: settings.maxTokenLifetimeSeconds ?? DEFAULT_AWS_MAX_TOKEN_LIFETIME_SECONDS,
    algorithms: WEB_IDENTITY_ALGORITHMS,
  });
  const { sub, jti } = jwt.claims;
  if (typeof sub !== 'string' || sub === '') {
    throw missingClaim('sub');
  }
  const principal = parsePrincipalArn(sub);
  if (principal === undefined) {
    throw invalidClaim('sub', 'the "sub" claim is not an IAM principal ARN');
  }
  const { accountId, ...facts } = readWebIdentityClaims(jwt.claims);
  if (principal.accountId !== accountId) {
    throw invalidClaim('sub', 'the "sub" claim names another account than "aws_account"');
  }
  if (accountId !== settings.accountId) {
    throw invalidClaim(
      `${AWS_CLAIM_NAMESPACE}aws_account`,
      `the token is from account ${accountId}, not the platform's ${settings.accountId}`,
    );
  }
  const tokenId = typeof jti === 'string' && jti !== '' ? jti : undefined;
  const { accountId: _account, ...names } = principal;
  const identity = awsIdentity(
    platform,
    'web-identity-token',
    {
      subject: sub,
      audience: jwt.audience,
      ...(tokenId === undefined ? {} : { tokenId }),
      ...(jwt.issuedAt === undefined ? {} : { issuedAt: jwt.issuedAt }),
      expiresAt: jwt.expiresAt,
    },
    { accountId, arn: sub, ...names, ...facts },
  );
  return {
    claims: jwt.claims,
    identity,
    expiresAt: jwt.expiresAt,
    ...(tokenId === undefined ? {} : { tokenId }),
    replayKey: replayKey(platform.issuer, tokenId, credential.token),
  };
}
