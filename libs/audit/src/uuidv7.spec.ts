import { describe, expect, it } from 'vitest';
import { uuidv7 } from './uuidv7';

describe('uuidv7', () => {
  it('sorts by time', () => {
    const times = [0, 1, 999, 1_000, 1_700_000_000_000, 1_700_000_000_001, 1_900_000_000_000, 2 ** 48 - 1];
    const ids = times.map((t) => uuidv7(new Date(t)));
    expect([...ids].reverse().sort()).toEqual(ids);
  });

  it('carries the millisecond timestamp, version 7 and the RFC 9562 variant', () => {
    const time = new Date('2030-01-01T00:00:00.123Z');
    const id = uuidv7(time);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(time.getTime());
  });

  it('keeps the order of ids made within one millisecond', () => {
    const time = new Date('2030-01-01T00:00:00.000Z');
    const ids = Array.from({ length: 1_000 }, () => uuidv7(time));
    expect([...ids].sort()).toEqual(ids);
  });

  it('is unique within one millisecond', () => {
    const time = new Date();
    expect(new Set(Array.from({ length: 1_000 }, () => uuidv7(time))).size).toBe(1_000);
  });

  it.each([
    ['an invalid date', new Date(Number.NaN)],
    ['a date before 1970', new Date(-1)],
  ])('refuses %s', (_name, time) => {
    expect(() => uuidv7(time)).toThrow(RangeError);
  });
});
