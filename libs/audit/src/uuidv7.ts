import { randomUUID } from 'node:crypto';

const MAX_UNIX_MS = 2 ** 48 - 1;
const COUNTER_MAX = 0xfff;

let lastMs = -1;
let counter = 0;

/**
 * A UUID version 7 (RFC 9562 §5.7) for `time`: 48-bit Unix milliseconds, a 12-bit counter in
 * `rand_a` (RFC 9562 §6.2, method 1) so that ids minted in one process within the same millisecond
 * still sort in the order they were made, then 62 random bits (taken from `randomUUID`, whose
 * entropy is buffered: cheaper on the hot path than a `randomBytes` call per id).
 */
export function uuidv7(time: Date): string {
  const ms = time.getTime();
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_UNIX_MS) {
    throw new RangeError('uuidv7 needs a valid date after 1970');
  }
  if (ms === lastMs && counter < COUNTER_MAX) {
    counter += 1;
  } else {
    lastMs = ms;
    counter = Math.floor(Math.random() * 0x400);
  }
  const bytes = Buffer.from(randomUUID().replaceAll('-', ''), 'hex');
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
