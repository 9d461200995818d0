import { replayKey } from '../../credential/replay-key';
import { invalidClaim } from '../../errors/claim-errors';
import { showTime } from '../../errors/show-value';
import { clockWithSkew, timeError } from '../../errors/time-errors';
import { VerificationError } from '../../errors/verification-error';
import type { VerifiedCredential } from '../../identity';
import type { VerifyContext } from '../../platform-adapter';
import type { PlatformConfig } from '../../platform-config';
import { awsIdentity } from '../aws-identity';
import { DEFAULT_AWS_MAX_DOCUMENT_AGE_SECONDS, type AwsSettings } from '../aws-settings.schema';
import type { InstanceIdentityCredential } from './instance-identity-credential';
import type { InstanceDocument } from './read-instance-document';
import { regionCertificateSource } from './region-certificates';
import { verifyDocumentPkcs7 } from './verify-document-pkcs7';
import { verifyDocumentSignature } from './verify-document-signature';

function partition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** A document never expires: it is accepted from `pendingTime` (within the skew) for `maxAge`. */
function checkAge(pendingTime: number, now: Date, maxAge: number, skew: number): void {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const clock = `now ${clockWithSkew(now, skew)}`;
  if (nowSeconds - pendingTime > maxAge + skew) {
    throw timeError(
      'expired',
      `pendingTime ${showTime(pendingTime)} is more than ${maxAge} s before ${clock}`,
      `the instance started more than ${maxAge} s ago`,
    );
  }
  if (pendingTime - nowSeconds > skew) {
    throw timeError(
      'issued_in_future',
      `pendingTime ${showTime(pendingTime)} is after ${clock}`,
      "the document's pendingTime is in the future",
    );
  }
}

/**
 * Verifies an EC2 instance identity document: the account is the platform's, the signature (either
 * form) verifies with a certificate of the document's own region, and the instance started at most
 * `maxDocumentAgeSeconds` ago. The document carries no audience or nonce: within that window it can
 * be replayed, unless one-time use is asked for (the replay key is the document's digest).
 *
 * @throws {VerificationError} when the document is refused.
 */
export async function verifyInstanceIdentity(
  credential: InstanceIdentityCredential,
  document: InstanceDocument,
  platform: PlatformConfig,
  settings: AwsSettings,
  ctx: VerifyContext,
): Promise<VerifiedCredential> {
  if (document.accountId !== settings.accountId) {
    throw invalidClaim(
      'accountId',
      `the document is from account ${document.accountId}, not the platform's ${settings.accountId}`,
    );
  }
  const source = regionCertificateSource(settings, document.region);
  if (source === undefined) {
    throw new VerificationError(
      'key_not_found',
      `no certificate is configured for region ${document.region}`,
    );
  }
  const certificates = ctx.keys.certificates(source);
  if (credential.form === 'signature') {
    verifyDocumentSignature(credential.document, credential.signature, certificates);
  } else {
    await verifyDocumentPkcs7(credential.signedData, certificates, ctx.now, platform.clockSkewSeconds);
  }
  const maxAge = settings.maxDocumentAgeSeconds ?? DEFAULT_AWS_MAX_DOCUMENT_AGE_SECONDS;
  checkAge(document.pendingTime, ctx.now, maxAge, platform.clockSkewSeconds);
  const { raw, pendingTime, ...fields } = document;
  const subject = `arn:${partition(document.region)}:ec2:${document.region}:${document.accountId}:instance/${document.instanceId}`;
  const expiresAt = pendingTime + maxAge;
  return {
    claims: raw,
    identity: awsIdentity(
      platform,
      'instance-identity-document',
      { subject, audience: [], issuedAt: pendingTime, expiresAt },
      fields,
    ),
    expiresAt,
    replayKey: replayKey(platform.issuer, undefined, credential.document),
  };
}
