import { HistoryQueryError } from './history.error';

/** A keyset position in `(time DESC, id DESC)` order; `time` keeps PostgreSQL's microseconds. */
export interface ChangeCursor {
  time: string;
  id: string;
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The opaque cursor for `position`: base64url of `time|id`. */
export function encodeChangeCursor(position: ChangeCursor): string {
  return Buffer.from(`${position.time}|${position.id}`, 'utf8').toString('base64url');
}

/** Reads a cursor from {@link encodeChangeCursor}; throws `HistoryQueryError('invalid_cursor')` otherwise. */
export function decodeChangeCursor(cursor: string): ChangeCursor {
  const decoded = /^[A-Za-z0-9_-]{1,200}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8')
    : '';
  const [time = '', id = '', ...rest] = decoded.split('|');
  if (rest.length > 0 || !TIME.test(time) || !UUID.test(id) || Number.isNaN(Date.parse(time))) {
    throw new HistoryQueryError('invalid_cursor', 'the cursor is not one this API returned');
  }
  return { time, id };
}
