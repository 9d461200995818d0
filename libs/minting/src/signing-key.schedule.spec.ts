import { describe, expect, it } from 'vitest';
import { signingKeyStatus, SigningSchedule } from './signing-key.schedule';
import type { CurrentSigningKey } from './signing-key.types';

const at = (iso: string) => new Date(iso);

describe('signingKeyStatus', () => {
  it.each([
    ['pending before activation', '2030-01-01T00:10:00Z', null, null, 'pending'],
    ['current from activation', '2030-01-01T00:00:00Z', null, null, 'current'],
    ['current until retirement', '2029-12-31T00:00:00Z', '2030-01-01T00:00:01Z', null, 'current'],
    [
      'retiring from retirement while published',
      '2029-12-31T00:00:00Z',
      '2030-01-01T00:00:00Z',
      '2030-01-01T00:00:01Z',
      'retiring',
    ],
    [
      'retired once no longer published',
      '2029-12-31T00:00:00Z',
      '2029-12-31T12:00:00Z',
      '2030-01-01T00:00:00Z',
      'retired',
    ],
    ['retired without an activation', null, null, null, 'retired'],
  ] as const)('%s', (_name, activatedAt, retiredAt, publishUntil, status) => {
    const times = {
      activatedAt: activatedAt === null ? null : at(activatedAt),
      retiredAt: retiredAt === null ? null : at(retiredAt),
      publishUntil: publishUntil === null ? null : at(publishUntil),
    };
    expect(signingKeyStatus(times, at('2030-01-01T00:00:00Z'))).toBe(status);
  });
});

describe('SigningSchedule', () => {
  const key = (kid: string) => ({ kid, alg: 'ES256' }) as CurrentSigningKey;

  it('hands over to each pending key at its activation time, soonest first', () => {
    const schedule = new SigningSchedule(key('a'), [
      { activatesAt: 200, key: key('c') },
      { activatesAt: 100, key: key('b') },
    ]);
    expect([99, 100, 199, 200, 1_000].map((t) => schedule.at(t).kid)).toEqual(['a', 'b', 'b', 'c', 'c']);
  });
});
