import { createHash, randomBytes } from 'node:crypto';

/** A fresh admin bearer credential: 256 bits, base64url, with a prefix that secret scanners can find. */
export function generateCredentialSecret(): string {
  return `fbk_${randomBytes(32).toString('base64url')}`;
}

/** What is stored of a credential and compared: its SHA-256 digest. */
export function credentialDigest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
