/**
 * A keyset position in `(time DESC, id DESC)` order, as the admin listings page through events and
 * changes; `time` keeps PostgreSQL's microseconds.
 */
export interface KeysetCursor {
  time: string;
  id: string;
}

/** The select-list item a keyset listing reads `time` back with, exact to the microsecond. */
export const CURSOR_TIME_COLUMN = `to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_time`;

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The opaque cursor for `position`: base64url of `time|id`. */
export function encodeKeysetCursor(position: KeysetCursor): string {
  return Buffer.from(`${position.time}|${position.id}`, 'utf8').toString('base64url');
}

/** Reads a cursor from {@link encodeKeysetCursor}; undefined for anything else. */
export function decodeKeysetCursor(cursor: string): KeysetCursor | undefined {
  const decoded = /^[A-Za-z0-9_-]{1,200}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8')
    : '';
  const [time = '', id = '', ...rest] = decoded.split('|');
  if (rest.length > 0 || !TIME.test(time) || !UUID.test(id) || !isRealTime(time)) return undefined;
  return { time, id };
}

/** Whether `time` names an instant as written (no 30 February, no hour 24) that PostgreSQL has (no year 0). */
function isRealTime(time: string): boolean {
  const ms = Date.parse(time);
  return (
    !Number.isNaN(ms) &&
    !time.startsWith('0000') &&
    new Date(ms).toISOString().slice(0, 23) === time.slice(0, 23)
  );
}
