import { ContentInfo, SignedData } from 'pkijs';
import type { PresentedCredential } from '../../credential/presented-credential';
import { VerificationError } from '../../errors/verification-error';

const SIGNED_DATA = '1.2.840.113549.1.7.2';
const DATA = '1.2.840.113549.1.7.1';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** An attested document read without verification: enough to route it, never to trust it. */
export interface DecodedAttestedDocument {
  signedData: SignedData;
  /** The signed content, byte for byte: the document's JSON. */
  content: Uint8Array;
  /** The content parsed, unverified. */
  claims: Record<string, unknown>;
}

const decoded = new WeakMap<PresentedCredential, DecodedAttestedDocument>();

function malformed(message: string, cause?: unknown): VerificationError {
  return new VerificationError('malformed', message, { cause });
}

function readEnvelope(token: string): string {
  let envelope: unknown;
  try {
    envelope = JSON.parse(token);
  } catch (cause) {
    throw malformed('the attested document is not the JSON that IMDS serves', cause);
  }
  const { encoding, signature } = (envelope ?? {}) as { encoding?: unknown; signature?: unknown };
  if (encoding !== 'pkcs7' || typeof signature !== 'string') {
    throw malformed('the attested document is not {"encoding": "pkcs7", "signature": …}');
  }
  const base64 = signature.replace(/\s+/g, '');
  if (!BASE64.test(base64) || base64.length % 4 !== 0) {
    throw malformed('the attested document signature is not base64');
  }
  return base64;
}

function readSignedData(der: Buffer): SignedData {
  let signedData: SignedData;
  try {
    const contentInfo = ContentInfo.fromBER(new Uint8Array(der));
    if (contentInfo.contentType !== SIGNED_DATA)
      throw malformed('the attested document is not a PKCS #7 SignedData');
    signedData = new SignedData({ schema: contentInfo.content });
  } catch (cause) {
    if (cause instanceof VerificationError) throw cause;
    throw malformed('the attested document is not a PKCS #7 SignedData', cause);
  }
  if (signedData.signerInfos.length !== 1) {
    throw malformed('the attested document must have exactly one signer');
  }
  return signedData;
}

function readContent(signedData: SignedData): { content: Uint8Array; claims: Record<string, unknown> } {
  const { eContentType, eContent } = signedData.encapContentInfo;
  if (eContentType !== DATA || eContent === undefined) {
    throw malformed('the attested document carries no signed content');
  }
  const content = new Uint8Array(eContent.getValue());
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(content));
  } catch (cause) {
    throw malformed('the attested document content is not UTF-8 JSON', cause);
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw malformed('the attested document content is not a JSON object');
  }
  return { content, claims: claims as Record<string, unknown> };
}

/**
 * Reads the IMDS response `{"encoding":"pkcs7","signature":"<base64 SignedData>"}` (RFC 5652 §5)
 * and its JSON content, once per presented credential.
 *
 * @throws {VerificationError} `malformed`.
 */
export function decodeAttestedDocument(credential: PresentedCredential): DecodedAttestedDocument {
  let document = decoded.get(credential);
  if (document === undefined) {
    const signedData = readSignedData(Buffer.from(readEnvelope(credential.token), 'base64'));
    document = { signedData, ...readContent(signedData) };
    decoded.set(credential, document);
  }
  return document;
}
