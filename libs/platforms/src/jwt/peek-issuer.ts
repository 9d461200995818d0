import { VerificationError } from '../errors/verification-error';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function decodeJsonObject(segment: string): Record<string, unknown> {
  if (!BASE64URL.test(segment)) {
    throw new VerificationError('malformed');
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new VerificationError('malformed', undefined, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new VerificationError('malformed');
  }
  return value as Record<string, unknown>;
}

/**
 * Reads the `iss` of a compact JWS without verifying anything, to find the platform that must
 * verify it.
 *
 * @throws {VerificationError} `malformed` unless the token is a three-part JWS whose header and
 * payload are JSON objects and whose `iss` is a non-empty string.
 */
export function peekIssuer(token: string): string {
  if (token === lastPeek.token) return lastPeek.issuer;
  const issuer = readIssuer(token);
  lastPeek = { token, issuer };
  return issuer;
}

/** The pipeline peeks to find the platform and the adapter again before fetching keys: decode once. */
let lastPeek = { token: '', issuer: '' };

function readIssuer(token: string): string {
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw new VerificationError('malformed');
  }
  const [header = '', payload = ''] = parts;
  const protectedHeader = decodeJsonObject(header);
  if (typeof protectedHeader.alg !== 'string' || 'enc' in protectedHeader) {
    throw new VerificationError('malformed');
  }
  const { iss } = decodeJsonObject(payload);
  if (typeof iss !== 'string' || iss === '') {
    throw new VerificationError('malformed', 'the token has no issuer');
  }
  return iss;
}
