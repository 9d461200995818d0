/** Why a credential operation was refused. */
export type CredentialErrorCode = 'validation_failed' | 'not_found' | 'conflict';

/** The one error the credential store throws; the admin API maps each code to a problem+json status. */
export class CredentialError extends Error {
  override readonly name = 'CredentialError';

  constructor(
    readonly code: CredentialErrorCode,
    message: string,
    readonly problems: { field: string; message: string }[] = [],
    /** For `conflict`: the name of the credential the write collides with. */
    readonly conflictingName?: string,
  ) {
    super(message);
  }
}
