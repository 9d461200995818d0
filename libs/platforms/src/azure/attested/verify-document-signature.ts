import {
  AlgorithmIdentifier,
  SignedDataVerifyError,
  type Certificate,
  type SignedData,
  type SignedDataVerifyResult,
} from 'pkijs';
import { VerificationError } from '../../errors/verification-error';

const SHA256 = '2.16.840.1.101.3.4.2.1';
const SHA384 = '2.16.840.1.101.3.4.2.2';
const SHA512 = '2.16.840.1.101.3.4.2.3';

/**
 * Accepted SignerInfo digest algorithms. IMDS names its digest with the OID of
 * sha256WithRSAEncryption, as OpenSSL tolerates; without signed attributes that identifier is not
 * signed, so reading it as the hash it names changes nothing the signature covers.
 */
const DIGESTS: Readonly<Record<string, string>> = {
  [SHA256]: SHA256,
  [SHA384]: SHA384,
  [SHA512]: SHA512,
  '1.2.840.113549.1.1.11': SHA256,
  '1.2.840.113549.1.1.12': SHA384,
  '1.2.840.113549.1.1.13': SHA512,
};

/** RSA PKCS #1 v1.5 and ECDSA with SHA-2, as RFC 5754 names them for CMS. */
const SIGNATURES: ReadonlySet<string> = new Set([
  '1.2.840.113549.1.1.1',
  '1.2.840.113549.1.1.11',
  '1.2.840.113549.1.1.12',
  '1.2.840.113549.1.1.13',
  '1.2.840.10045.4.3.2',
  '1.2.840.10045.4.3.3',
  '1.2.840.10045.4.3.4',
]);

/**
 * Verifies the one signature of a SignedData over its content (RFC 5652 §5.6) with the certificate
 * it embeds for its signer, and returns that certificate. Whether to trust it is for the caller.
 *
 * @throws {VerificationError} `algorithm_not_allowed`, `key_not_found` or `signature_invalid`.
 */
export async function verifyDocumentSignature(signedData: SignedData): Promise<Certificate> {
  const [signerInfo] = signedData.signerInfos;
  const digest = DIGESTS[signerInfo?.digestAlgorithm.algorithmId ?? ''];
  if (
    signerInfo === undefined ||
    digest === undefined ||
    !SIGNATURES.has(signerInfo.signatureAlgorithm.algorithmId)
  ) {
    throw new VerificationError(
      'algorithm_not_allowed',
      'the document is signed with an algorithm that is not allowed',
    );
  }
  signerInfo.digestAlgorithm = new AlgorithmIdentifier({ algorithmId: digest });
  let result: SignedDataVerifyResult;
  try {
    result = await signedData.verify({ signer: 0, checkChain: false, extendedMode: true });
  } catch (error) {
    if (!(error instanceof SignedDataVerifyError)) {
      throw new VerificationError('signature_invalid', 'the document signature cannot be verified', {
        cause: error,
      });
    }
    result = error;
  }
  if (!result.signerCertificate) {
    throw new VerificationError('key_not_found', 'the document does not carry its signer certificate');
  }
  if (result.signatureVerified !== true) {
    throw new VerificationError('signature_invalid', 'the document signature does not verify', {
      cause: result instanceof SignedDataVerifyError ? result : undefined,
    });
  }
  return result.signerCertificate;
}
