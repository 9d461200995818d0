/**
 * The audit store could not durably record an event. Callers must not issue the token it was
 * about (the API answers `503 temporarily_unavailable`).
 */
export class AuditUnavailableError extends Error {
  override readonly name = 'AuditUnavailableError';

  constructor(message = 'The audit log is unavailable', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Why an audit listing request was refused. */
export type AuditQueryErrorCode = 'invalid_cursor' | 'invalid_limit' | 'invalid_range';

/** A malformed audit listing request: bad cursor, limit or time range. */
export class AuditQueryError extends Error {
  override readonly name = 'AuditQueryError';

  constructor(
    readonly code: AuditQueryErrorCode,
    message: string = code,
  ) {
    super(message);
  }
}
