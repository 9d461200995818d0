import { Certificate } from 'pkijs';
import { replayKey } from '../../credential/replay-key';
import type { PresentedCredential } from '../../credential/presented-credential';
import { invalidClaim } from '../../errors/claim-errors';
import { showValue } from '../../errors/show-value';
import type { Identity, VerifiedCredential } from '../../identity';
import type { VerifyContext } from '../../platform-adapter';
import type { PlatformConfig } from '../../platform-config';
import type { AttestedDocumentSettings } from '../azure-settings.schema';
import { AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE } from '../azure-token-types';
import type { AttestedNonceCheck } from './attested-nonce';
import { checkAttestedTimes } from './check-attested-times';
import { decodeAttestedDocument } from './decode-attested-document';
import { readAttestedClaims, type AttestedClaims } from './read-attested-claims';
import { signerName } from './signer-name';
import { verifyDocumentSignature } from './verify-document-signature';
import { verifySignerChain } from './verify-signer-chain';

function checkSubscription(claims: AttestedClaims, settings: AttestedDocumentSettings): void {
  const pinned = settings.subscriptionIds;
  if (pinned !== undefined && !pinned.includes(claims.subscriptionId ?? '')) {
    throw invalidClaim(
      'subscriptionId',
      `the document's subscription is not one the platform serves: ${showValue(claims.subscriptionId ?? null)}`,
    );
  }
}

function normalize(
  platform: PlatformConfig,
  issuer: string,
  claims: AttestedClaims,
  expiresAt: number,
): Identity {
  return {
    platform: platform.name,
    kind: 'azure',
    issuer,
    subject: claims.vmId,
    audience: [],
    issuedAt: claims.createdOn,
    expiresAt,
    vmId: claims.vmId,
    ...(claims.subscriptionId === undefined ? {} : { subscriptionId: claims.subscriptionId }),
  };
}

/**
 * Verifies an IMDS attested document: the PKCS #7 signature over its content, the signer
 * certificate (valid at the clock, chaining to an anchor, issued to an allowed name), the
 * subscription when the platform pins some, the `timeStamp` window and age, and the nonce.
 * The identity's subject is the `vmId`, its issuer the signer name, its audience empty; the
 * replay key is the VM and nonce, so a document (or a re-encoding of it) is used once.
 *
 * @throws {VerificationError} when the document is refused.
 */
export async function verifyAttestedDocument(
  credential: PresentedCredential,
  platform: PlatformConfig,
  settings: AttestedDocumentSettings,
  ctx: VerifyContext,
  nonceCheck: AttestedNonceCheck,
): Promise<VerifiedCredential> {
  const document = decodeAttestedDocument(credential);
  const signer = await verifyDocumentSignature(document.signedData);
  const embedded = (document.signedData.certificates ?? []).filter((c) => c instanceof Certificate);
  await verifySignerChain(signer, embedded, {
    anchors: ctx.keys.certificates({ type: 'certificates', pems: settings.trustAnchors }),
    intermediates: ctx.keys.certificates({ type: 'certificates', pems: settings.intermediates }),
    now: ctx.now,
  });
  const issuer = signerName(signer, settings.signerNames);
  const claims = readAttestedClaims(document.claims);
  checkSubscription(claims, settings);
  const { maxAgeSeconds } = settings;
  const documentUntil = checkAttestedTimes(claims, ctx.now, platform.clockSkewSeconds, maxAgeSeconds);
  const { acceptableUntil = Infinity } = nonceCheck(claims.nonce, {
    now: ctx.now,
    maxAgeSeconds,
    clockSkewSeconds: platform.clockSkewSeconds,
  });
  const expiresAt = Math.min(documentUntil, acceptableUntil);
  return {
    claims: document.claims,
    identity: normalize(platform, issuer, claims, expiresAt),
    expiresAt,
    replayKey: replayKey(
      AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE,
      `${claims.vmId} ${claims.nonce}`,
      credential.token,
    ),
  };
}
