import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter';

function limiter(perMinute: number, maxKeys?: number) {
  let now = Date.parse('2030-01-01T00:00:00Z');
  const limit = new RateLimiter({ perMinute, now: () => now, ...(maxKeys ? { maxKeys } : {}) });
  return {
    limit,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function takeMany(limit: RateLimiter, key: string, n: number): number {
  let allowed = 0;
  for (let i = 0; i < n; i += 1) if (limit.take(key).ok) allowed += 1;
  return allowed;
}

describe('RateLimiter', () => {
  it('lets a fresh key spend a minute of requests at once, then refuses with the wait', () => {
    const { limit } = limiter(3);
    expect(takeMany(limit, 'a', 3)).toBe(3);
    expect(limit.take('a')).toEqual({ ok: false, retryAfterSeconds: 20 });
  });

  it('refills at the configured rate', () => {
    const { limit, advance } = limiter(60);
    expect(takeMany(limit, 'a', 60)).toBe(60);
    expect(limit.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    advance(999);
    expect(limit.take('a').ok).toBe(false);
    advance(1);
    expect(limit.take('a')).toEqual({ ok: true });
    expect(limit.take('a').ok).toBe(false);
    advance(10_000);
    expect(takeMany(limit, 'a', 20)).toBe(10);
  });

  it('refills no further than a full bucket, however long a key was idle', () => {
    const { limit, advance } = limiter(5);
    limit.take('a');
    advance(365 * 86_400_000);
    expect(takeMany(limit, 'a', 10)).toBe(5);
  });

  it('keeps keys apart', () => {
    const { limit } = limiter(1);
    expect(limit.take('a').ok).toBe(true);
    expect(limit.take('a').ok).toBe(false);
    expect(limit.take('b').ok).toBe(true);
  });

  it('never limits when perMinute is 0', () => {
    const { limit } = limiter(0);
    expect(takeMany(limit, 'a', 10_000)).toBe(10_000);
  });

  it('counts the wait from where the bucket is, in whole seconds, at least one', () => {
    const { limit, advance } = limiter(7);
    takeMany(limit, 'a', 7);
    advance(4_000);
    // one token every 60/7 s ≈ 8.57 s: 4.57 s left
    expect(limit.take('a')).toEqual({ ok: false, retryAfterSeconds: 5 });
  });

  it('forgets the least recently seen key past maxKeys, which then starts full again', () => {
    const { limit } = limiter(1, 2);
    limit.take('a');
    limit.take('b');
    limit.take('a');
    limit.take('c');
    expect(limit.take('a').ok).toBe(false);
    expect(limit.take('b').ok).toBe(true);
  });

  it('refuses a perMinute that is not a whole number', () => {
    expect(() => new RateLimiter({ perMinute: 1.5 })).toThrow(RangeError);
    expect(() => new RateLimiter({ perMinute: -1 })).toThrow(RangeError);
  });

  it('never allows more than the burst plus what the elapsed time refilled', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 200 }),
        (perMinute, gaps) => {
          const { limit, advance } = limiter(perMinute);
          let allowed = 0;
          let elapsed = 0;
          for (const gap of gaps) {
            advance(gap);
            elapsed += gap;
            if (limit.take('k').ok) allowed += 1;
          }
          expect(allowed).toBeLessThanOrEqual(perMinute + Math.floor((elapsed * perMinute) / 60_000));
        },
      ),
    );
  });

  it('says when to come back truthfully: a request after retryAfterSeconds is allowed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 120_000 }),
        (perMinute, gap) => {
          const { limit, advance } = limiter(perMinute);
          takeMany(limit, 'k', perMinute);
          advance(gap);
          const decision = limit.take('k');
          if (decision.ok) return;
          advance(decision.retryAfterSeconds * 1000);
          expect(limit.take('k').ok).toBe(true);
        },
      ),
    );
  });
});
