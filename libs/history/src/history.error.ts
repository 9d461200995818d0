/** Why a history listing request was refused. */
export type HistoryQueryErrorCode = 'invalid_cursor' | 'invalid_limit' | 'invalid_range';

/** A malformed history listing request: bad cursor, limit or time range. */
export class HistoryQueryError extends Error {
  override readonly name = 'HistoryQueryError';

  constructor(
    readonly code: HistoryQueryErrorCode,
    message: string,
  ) {
    super(message);
  }
}
