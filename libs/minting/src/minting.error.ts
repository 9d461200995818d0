/** Why a signing-key or minting operation failed. */
export type MintingErrorCode =
  | 'invalid_kek'
  | 'kek_mismatch'
  | 'invalid_wrapped_key'
  | 'keys_not_loaded'
  | 'invalid_mint_input'
  | 'invalid_rotation'
  | 'rotation_pending'
  | 'key_unreadable';

/**
 * The one error of the minting library. Messages name what is wrong (and which setting to check),
 * never a key or a key-encryption key.
 */
export class MintingError extends Error {
  override readonly name = 'MintingError';
  /** The key concerned: the pending key a rotation conflicts with, the key that cannot be unwrapped. */
  readonly kid: string | undefined;

  constructor(
    readonly code: MintingErrorCode,
    message: string,
    options?: { cause?: unknown; kid?: string },
  ) {
    super(message, options);
    this.kid = options?.kid;
  }
}
