import { fromBER } from 'asn1js';
import { ContentInfo, SignedData } from 'pkijs';
import { z } from 'zod';
import { VerificationError } from '../../errors/verification-error';
import type { InstanceIdentityCredential } from './instance-identity-credential';

const ID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const ID_DATA = '1.2.840.113549.1.7.1';

/** `{"document", "signature"}` (the `/document` and `/signature` answers) or `{"pkcs7"}` (`/rsa2048`). */
const credentialSchema = z.union([
  z.strictObject({ document: z.string().min(1).max(8192), signature: z.string().min(1).max(4096) }),
  z.strictObject({ pkcs7: z.string().min(1).max(12_288) }),
]);

/** Strict base64 once the line breaks IMDS inserts are removed. */
function base64Bytes(value: string, what: string): Buffer {
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    throw new VerificationError('malformed', `the ${what} is not base64`);
  }
  return Buffer.from(compact, 'base64');
}

function utf8(bytes: ArrayBuffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new VerificationError('malformed', 'the signed document is not UTF-8', { cause });
  }
}

/** Reads the SignedData (BER, indefinite lengths allowed) and the document it embeds. */
function decodePkcs7(value: string): InstanceIdentityCredential {
  const der = base64Bytes(value, 'pkcs7');
  const asn1 = fromBER(new Uint8Array(der));
  if (asn1.offset !== der.length || asn1.result.error !== '') {
    throw new VerificationError('malformed', 'the pkcs7 is not one BER value');
  }
  let signedData: SignedData;
  try {
    const contentInfo = new ContentInfo({ schema: asn1.result });
    if (contentInfo.contentType !== ID_SIGNED_DATA)
      throw new Error(`content type ${contentInfo.contentType}`);
    signedData = new SignedData({ schema: contentInfo.content });
  } catch (cause) {
    throw new VerificationError('malformed', 'the pkcs7 is not a CMS SignedData', { cause });
  }
  const content = signedData.encapContentInfo.eContent;
  if (signedData.encapContentInfo.eContentType !== ID_DATA || content === undefined) {
    throw new VerificationError('malformed', 'the pkcs7 does not embed a document');
  }
  return { form: 'pkcs7', document: utf8(content.getValue()), signedData };
}

/**
 * Decodes the subject token of an instance identity document: JSON `{"document", "signature"}`
 * or `{"pkcs7"}`. Nothing is verified here.
 *
 * @throws {VerificationError} `malformed`.
 */
export function decodeInstanceIdentity(token: string): InstanceIdentityCredential {
  let json: unknown;
  try {
    json = JSON.parse(token) as unknown;
  } catch (cause) {
    throw new VerificationError('malformed', 'the instance identity credential is not JSON', { cause });
  }
  const parsed = credentialSchema.safeParse(json);
  if (!parsed.success) {
    throw new VerificationError(
      'malformed',
      'the instance identity credential must be {"document", "signature"} or {"pkcs7"}',
    );
  }
  const credential = parsed.data;
  if ('pkcs7' in credential) return decodePkcs7(credential.pkcs7);
  return {
    form: 'signature',
    document: credential.document,
    signature: base64Bytes(credential.signature, 'signature'),
  };
}
