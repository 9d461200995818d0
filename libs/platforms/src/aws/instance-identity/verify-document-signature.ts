import { constants, verify, type X509Certificate } from 'node:crypto';
import { VerificationError } from '../../errors/verification-error';

/**
 * Verifies the `/signature` form: RSA PKCS #1 v1.5 with SHA-256 over the exact UTF-8 bytes of the
 * document, with the public key of one of the region's certificates. The certificates' validity
 * dates are not checked: AWS reissues them with the same key (us-east-1 on 2024-04-29, after
 * documents it had already signed).
 *
 * @throws {VerificationError} `signature_invalid`.
 */
export function verifyDocumentSignature(
  document: string,
  signature: Buffer,
  certificates: readonly X509Certificate[],
): void {
  const data = Buffer.from(document, 'utf8');
  const verified = certificates.some(
    ({ publicKey }) =>
      publicKey.asymmetricKeyType === 'rsa' &&
      verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature),
  );
  if (!verified) {
    throw new VerificationError(
      'signature_invalid',
      "the document's signature does not verify with the region's certificates",
    );
  }
}
