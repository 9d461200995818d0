import { replayKey } from '../../credential/replay-key';
import { showValue, showValues } from '../../errors/show-value';
import { VerificationError, verificationMessage } from '../../errors/verification-error';
import type { VerifiedCredential } from '../../identity';
import type { VerifyContext } from '../../platform-adapter';
import type { PlatformConfig } from '../../platform-config';
import { awsIdentity } from '../aws-identity';
import { DEFAULT_AWS_MAX_REQUEST_AGE_SECONDS, type AwsSettings } from '../aws-settings.schema';
import type { CallerIdentityAnswer } from './caller-identity-answer';
import { checkSignedAt } from './check-signed-at';
import { AUDIENCE_HEADER } from './read-signed-request';
import type { SignedCallerIdentityRequest } from './signed-caller-identity-request';

/** IAM unique IDs (`AROA…` for roles, `AIDA…` for users): never reused, unlike names. */
const UNIQUE_ID = /^A[A-Z0-9]{3}[A-Z0-9]{12,124}$/;

/**
 * The platform's checks on a request STS has already vouched for: the signer's account is the
 * platform's, the signed `x-fedbroker-audience` is one of its audiences, and `X-Amz-Date` is within
 * `maxRequestAgeSeconds` and the clock skew. Normalizes who STS says signed it.
 *
 * @throws {VerificationError} when the credential is refused.
 */
export function verifyCallerIdentity(
  request: SignedCallerIdentityRequest,
  answer: CallerIdentityAnswer,
  platform: PlatformConfig,
  settings: AwsSettings,
  ctx: VerifyContext,
): VerifiedCredential {
  const { principal, raw } = answer;
  if (principal.accountId !== settings.accountId) {
    throw new VerificationError(
      'claim_invalid',
      `the request is signed by account ${principal.accountId}, not the platform's ${settings.accountId}`,
    );
  }
  if (!platform.audiences.includes(request.audience)) {
    const detail = `${AUDIENCE_HEADER} ${showValue(request.audience)} is none of the accepted audiences ${showValues(platform.audiences)}`;
    throw new VerificationError('audience_mismatch', verificationMessage('audience_mismatch', detail), {
      publicDetail: detail,
    });
  }
  const maxAge = settings.maxRequestAgeSeconds ?? DEFAULT_AWS_MAX_REQUEST_AGE_SECONDS;
  checkSignedAt(request.signedAt, ctx.now, maxAge, platform.clockSkewSeconds);
  const [prefix = ''] = raw.UserId.split(':');
  const { accountId, ...names } = principal;
  const expiresAt = request.signedAt + maxAge;
  const identity = awsIdentity(
    platform,
    'caller-identity',
    { subject: raw.Arn, audience: [request.audience], issuedAt: request.signedAt, expiresAt },
    {
      accountId,
      arn: raw.Arn,
      ...names,
      ...(UNIQUE_ID.test(prefix) ? { principalId: prefix } : {}),
      sourceRegion: request.region,
    },
  );
  return {
    claims: { ...raw },
    identity,
    expiresAt,
    replayKey: replayKey(platform.issuer, undefined, `aws4_request ${request.signature}`),
  };
}
