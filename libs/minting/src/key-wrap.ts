import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { MintingError } from './minting.error';

const VERSION = 1;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + IV_LENGTH + TAG_LENGTH;

/**
 * Wraps a PKCS#8 DER private key under the 32-byte key-encryption key with AES-256-GCM.
 *
 * Layout: `version (1) ‖ iv (12) ‖ tag (16) ‖ ciphertext`. When `kid` is given it is bound as
 * additional authenticated data, so a wrapped key cannot be moved to another key's row.
 */
export function wrapPrivateKey(kek: Buffer, pkcs8Der: Buffer, kid = ''): Buffer {
  assertKek(kek);
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(additionalData(kid));
  const ciphertext = Buffer.concat([cipher.update(pkcs8Der), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), ciphertext]);
}

/**
 * Reverses {@link wrapPrivateKey}. Throws `MintingError('kek_mismatch')` when the key-encryption
 * key (or `kid`) is not the one the key was wrapped with.
 */
export function unwrapPrivateKey(kek: Buffer, wrapped: Buffer, kid = ''): Buffer {
  assertKek(kek);
  if (wrapped.length <= HEADER_LENGTH || wrapped[0] !== VERSION) {
    throw new MintingError('invalid_wrapped_key', 'The stored signing key has an unknown wrapping format');
  }
  const iv = wrapped.subarray(1, 1 + IV_LENGTH);
  const tag = wrapped.subarray(1 + IV_LENGTH, HEADER_LENGTH);
  const decipher = createDecipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_LENGTH });
  decipher.setAAD(additionalData(kid));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(wrapped.subarray(HEADER_LENGTH)), decipher.final()]);
  } catch (cause) {
    throw new MintingError(
      'kek_mismatch',
      `Signing key${kid ? ` ${kid}` : ''} cannot be unwrapped: FEDBROKER_KEY_ENCRYPTION_KEY is not the key it was wrapped with`,
      { cause },
    );
  }
}

function assertKek(kek: Buffer): void {
  if (kek.length !== 32) {
    throw new MintingError('invalid_kek', 'FEDBROKER_KEY_ENCRYPTION_KEY must be 32 bytes');
  }
}

function additionalData(kid: string): Buffer {
  return Buffer.from(`fedbroker-signing-key:${kid}`, 'utf8');
}
