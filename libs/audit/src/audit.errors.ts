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

/**
 * A record the audit log cannot store: malformed, or refused by the database as data. A defect in
 * the caller, not an outage: the token it was about must not be issued either, but the API answers
 * `500 server_error` rather than `503`.
 */
export class AuditRecordError extends Error {
  override readonly name = 'AuditRecordError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The `issued` record's replay key was already recorded: its event was stored as the denial
 * `replayed` in its place, and the token it was about must not leave.
 */
export class AuditReplayedError extends Error {
  override readonly name = 'AuditReplayedError';

  constructor(readonly replayKey: string) {
    super('The credential was already used');
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
