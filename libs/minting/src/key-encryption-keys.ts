import { unwrapPrivateKey } from './key-wrap';
import { MintingError } from './minting.error';

/** Which key-encryption key opened a wrapped key. */
export type WrappedUnder = 'current' | 'previous';

/**
 * The key-encryption key (`FEDBROKER_KEY_ENCRYPTION_KEY`) and the previous ones
 * (`FEDBROKER_PREVIOUS_KEY_ENCRYPTION_KEYS`) that may still unwrap stored signing keys while they
 * are rewrapped. Previous keys only ever unwrap.
 */
export class KeyEncryptionKeys {
  readonly current: Buffer;
  readonly previous: readonly Buffer[];

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) {
        throw new MintingError('invalid_kek', 'FEDBROKER_KEY_ENCRYPTION_KEY must be 32 bytes');
      }
    }
    this.current = Buffer.from(current);
    this.previous = previous.filter((key) => !key.equals(current)).map((key) => Buffer.from(key));
  }

  /**
   * Unwraps `wrapped` under the first key that opens it, saying which. Throws
   * `MintingError('kek_mismatch')` when none does.
   */
  unwrap(wrapped: Buffer, kid: string): { pkcs8Der: Buffer; under: WrappedUnder; kek: Buffer } {
    for (const [under, kek] of this.candidates()) {
      try {
        return { pkcs8Der: unwrapPrivateKey(kek, wrapped, kid), under, kek };
      } catch (error) {
        if (!(error instanceof MintingError && error.code === 'kek_mismatch')) throw error;
      }
    }
    const under =
      this.previous.length > 0
        ? 'neither FEDBROKER_KEY_ENCRYPTION_KEY nor any of FEDBROKER_PREVIOUS_KEY_ENCRYPTION_KEYS'
        : 'another key than FEDBROKER_KEY_ENCRYPTION_KEY';
    throw new MintingError(
      'kek_mismatch',
      `Signing key ${kid} cannot be unwrapped: it was wrapped under ${under}`,
      { kid },
    );
  }

  private *candidates(): Generator<[WrappedUnder, Buffer]> {
    yield ['current', this.current];
    for (const kek of this.previous) yield ['previous', kek];
  }
}
