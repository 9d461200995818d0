import { describe, expect, it } from 'vitest';
import { parseImdsTime } from './parse-imds-time';

describe('parseImdsTime', () => {
  it.each([
    ['01/04/21 13:55:34 -0000', Date.parse('2021-01-04T13:55:34Z') / 1000],
    ['12/31/99 23:59:59 -0000', Date.parse('2099-12-31T23:59:59Z') / 1000],
    ['03/02/26 10:00:00 +0100', Date.parse('2026-03-02T09:00:00Z') / 1000],
    ['03/02/26 04:00:00 -0500', Date.parse('2026-03-02T09:00:00Z') / 1000],
    ['2021-01-04T13:55:34Z', undefined],
    ['01/04/2021 13:55:34 -0000', undefined],
    ['01/04/21 13:55:34', undefined],
    ['02/30/26 09:00:00 -0000', undefined],
    ['13/01/26 09:00:00 -0000', undefined],
    ['01/04/21 24:00:00 -0000', undefined],
    ['01/04/21 13:60:00 -0000', undefined],
  ])('%s → %s', (value, seconds) => {
    expect(parseImdsTime(value)).toBe(seconds);
  });
});
