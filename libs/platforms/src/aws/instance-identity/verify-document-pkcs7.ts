import type { X509Certificate } from 'node:crypto';
import { UTCTime } from 'asn1js';
import { Certificate, SignedDataVerifyError, type SignedData, type SignedDataVerifyResult } from 'pkijs';
import { VerificationError } from '../../errors/verification-error';

const SHA256 = '2.16.840.1.101.3.4.2.1';
/** rsaEncryption and sha256WithRSAEncryption (RFC 8017 Appendix C). */
const RSA_SIGNATURES: ReadonlySet<string> = new Set(['1.2.840.113549.1.1.1', '1.2.840.113549.1.1.11']);
const SIGNING_TIME = '1.2.840.113549.1.9.5';
/** pkijs' code for a signer that no given certificate names. */
const SIGNER_NOT_FOUND = 3;

const parsed = new WeakMap<X509Certificate, Certificate>();

function toPkijs(certificate: X509Certificate): Certificate {
  let result = parsed.get(certificate);
  if (result === undefined) {
    result = Certificate.fromBER(certificate.raw);
    parsed.set(certificate, result);
  }
  return result;
}

function checkSigner(signedData: SignedData): void {
  const [signer, ...others] = signedData.signerInfos;
  if (signer === undefined || others.length > 0) {
    throw new VerificationError('malformed', 'the pkcs7 must have exactly one signer');
  }
  if (
    signer.digestAlgorithm.algorithmId !== SHA256 ||
    !RSA_SIGNATURES.has(signer.signatureAlgorithm.algorithmId)
  ) {
    throw new VerificationError('algorithm_not_allowed', 'the pkcs7 is not signed with RSA and SHA-256');
  }
  if (signer.signedAttrs === undefined) {
    throw new VerificationError('malformed', 'the pkcs7 has no signed attributes');
  }
}

async function verifySignedData(signedData: SignedData): Promise<SignedDataVerifyResult> {
  try {
    return await signedData.verify({ signer: 0, checkChain: false, extendedMode: true });
  } catch (error) {
    if (error instanceof SignedDataVerifyError && error.code === SIGNER_NOT_FOUND) {
      throw new VerificationError(
        'key_not_found',
        "signer certificate not found among the region's certificates",
      );
    }
    throw new VerificationError('signature_invalid', 'the pkcs7 signature does not verify', { cause: error });
  }
}

function signingTime(signedData: SignedData): Date | undefined {
  const attribute = signedData.signerInfos[0]?.signedAttrs?.attributes.find((a) => a.type === SIGNING_TIME);
  const value: unknown = attribute?.values[0];
  return value instanceof UTCTime ? value.toDate() : undefined;
}

/**
 * Verifies the `/rsa2048` form: the SignedData's one signer, named by issuer and serial number, must
 * be one of the region's certificates (pinned trust anchors; any certificate the SignedData carries
 * is ignored), valid at `now`; it signs with RSA and SHA-256 over signed attributes whose
 * `messageDigest` is the embedded document's; its `signingTime` is not in the future.
 *
 * @throws {VerificationError} `key_not_found`, `signature_invalid`, `algorithm_not_allowed`,
 * `issued_in_future` or `malformed`.
 */
export async function verifyDocumentPkcs7(
  signedData: SignedData,
  certificates: readonly X509Certificate[],
  now: Date,
  skewSeconds: number,
): Promise<void> {
  checkSigner(signedData);
  const anchors = certificates.map(toPkijs);
  signedData.certificates = anchors;
  const result = await verifySignedData(signedData);
  if (result.signatureVerified !== true) {
    throw new VerificationError('signature_invalid', 'the pkcs7 signature does not verify');
  }
  const signer = certificates[anchors.findIndex((anchor) => anchor === result.signerCertificate)];
  if (signer === undefined || now < new Date(signer.validFrom) || now > new Date(signer.validTo)) {
    throw new VerificationError('key_not_found', "the region's certificate is not valid at this time");
  }
  const signedAt = signingTime(signedData);
  if (signedAt !== undefined && signedAt.getTime() > now.getTime() + skewSeconds * 1000) {
    throw new VerificationError('issued_in_future', 'the pkcs7 signing time is in the future');
  }
}
