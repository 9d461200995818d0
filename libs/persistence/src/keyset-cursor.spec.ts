import { describe, expect, it } from 'vitest';
import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor';

const position = { time: '2026-12-02T05:16:17.810123Z', id: '0193a0b2-7c4e-7a10-8f00-1234567890ab' };

describe('keyset cursor', () => {
  it('reads back the position it encoded', () => {
    expect(decodeKeysetCursor(encodeKeysetCursor(position))).toEqual(position);
  });

  it.each([
    ['not base64url', 'a+b/c='],
    ['empty', ''],
    ['a time without microseconds', encodeKeysetCursor({ ...position, time: '2026-12-02T05:16:17Z' })],
    ['an id that is no UUID', encodeKeysetCursor({ ...position, id: 'x' })],
    ['an impossible date', encodeKeysetCursor({ ...position, time: '2026-13-45T05:16:17.810123Z' })],
    ['the 30th of February', encodeKeysetCursor({ ...position, time: '2026-02-30T00:00:00.000000Z' })],
    ['the year 0', encodeKeysetCursor({ ...position, time: '0000-12-03T09:29:29.899000Z' })],
    ['hour 24', encodeKeysetCursor({ ...position, time: '2026-12-02T24:00:00.000000Z' })],
    ['a third member', Buffer.from(`${position.time}|${position.id}|x`).toString('base64url')],
    ['too long', 'A'.repeat(201)],
  ])('refuses %s', (_, cursor) => {
    expect(decodeKeysetCursor(cursor)).toBeUndefined();
  });
});
