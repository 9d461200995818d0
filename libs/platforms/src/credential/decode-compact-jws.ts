import { VerificationError } from '../errors/verification-error';
import { duplicateJsonMember } from './duplicate-json-member';
import type { DecodedJwt } from './presented-credential';

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * RFC 7515 §2 base64url: the URL-safe alphabet, no padding, and canonical (the unused bits of the
 * last character are zero), so one token has one spelling and so one audit digest.
 */
export function isCanonicalBase64url(segment: string): boolean {
  return canonicalBase64urlBytes(segment) !== undefined;
}

/** The bytes of a canonical base64url `segment`, or undefined when it is not canonical. */
function canonicalBase64urlBytes(segment: string): Buffer | undefined {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

/** A shape the credential lacks: the client may be told which, as it names nothing the token holds. */
function malformed(message: string, cause?: unknown): VerificationError {
  return new VerificationError('malformed', message, {
    publicDetail: message,
    ...(cause === undefined ? {} : { cause }),
  });
}

function decodeJsonObject(segment: string, part: string): Record<string, unknown> {
  const bytes = segment === '' ? undefined : canonicalBase64urlBytes(segment);
  if (bytes === undefined) {
    throw malformed(`the JWS ${part} is not canonical base64url`);
  }
  let text: string;
  let value: unknown;
  try {
    text = UTF8.decode(bytes);
    value = JSON.parse(text);
  } catch (cause) {
    throw malformed(`the JWS ${part} is not UTF-8 JSON`, cause);
  }
  // RFC 7515 §5.2 and RFC 7519 §4 let a recipient refuse duplicate names; JSON.parse keeps the last,
  // another parser the first, so one token could mean two things.
  if (duplicateJsonMember(text) !== undefined) {
    throw malformed(`the JWS ${part} repeats a member name`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`the JWS ${part} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Decodes a compact JWS (RFC 7515 §7.1) without verifying it. Refuses anything else: JWE (five
 * parts or an `enc` header), JSON serialization, non-canonical or padded base64url, a header
 * without `alg`, a header or payload naming a member twice (at any depth), and a payload that is not
 * a JSON object (an unencoded or nested payload). An empty
 * signature (`alg: none`) decodes, for the algorithm check to refuse by name.
 *
 * @throws {VerificationError} `malformed`.
 */
export function decodeCompactJws(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw malformed('the credential is not a compact JWS');
  }
  const [header = '', payload = '', signature = ''] = parts;
  const protectedHeader = decodeJsonObject(header, 'header');
  if (typeof protectedHeader.alg !== 'string' || 'enc' in protectedHeader) {
    throw malformed('the JWS header has no algorithm');
  }
  if (protectedHeader.b64 !== undefined) {
    throw malformed('unencoded JWS payloads are not accepted');
  }
  const claims = decodeJsonObject(payload, 'payload');
  if (!isCanonicalBase64url(signature)) {
    throw malformed('the JWS signature is not canonical base64url');
  }
  return { header: protectedHeader, claims };
}
