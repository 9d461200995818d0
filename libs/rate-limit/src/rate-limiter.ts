/** Whether a request may go ahead, and if not, when to try again. */
export type RateLimitDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiterOptions {
  /** Sustained requests a minute per key, and the burst a key idle for a minute may spend; 0: no limit. */
  perMinute: number;
  /** Milliseconds since the epoch; injected so that tests move time by hand. */
  now?: () => number;
  /** Keys remembered at most; past it the least recently seen is forgotten (default 100,000). */
  maxKeys?: number;
}

/** One token in the integer units buckets count in: a key gains `perMinute` units each millisecond. */
const TOKEN = 60_000;

interface Bucket {
  units: number;
  at: number;
}

const ALLOW: RateLimitDecision = { ok: true };

/**
 * A token bucket per key, in memory: each key holds up to `perMinute` tokens, refilled at
 * `perMinute` a minute, and each {@link take} spends one. Memory stays bounded by `maxKeys`; a
 * forgotten key starts again with a full bucket, so eviction only ever errs on the lenient side.
 * Per process: with N replicas, a key gets up to N times the limit.
 */
export class RateLimiter {
  private readonly perMinute: number;
  private readonly now: () => number;
  private readonly maxKeys: number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.perMinute) || options.perMinute < 0) {
      throw new RangeError('RateLimiter perMinute must be a whole number');
    }
    this.perMinute = options.perMinute;
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  /** Spends one token of `key`'s bucket, or says how many whole seconds until one is there. */
  take(key: string): RateLimitDecision {
    if (this.perMinute === 0) return ALLOW;
    const now = this.now();
    const full = this.perMinute * TOKEN;
    const bucket = this.buckets.get(key);
    const elapsed = bucket ? Math.min(TOKEN, Math.max(0, now - bucket.at)) : TOKEN;
    const units = Math.min(full, (bucket?.units ?? full) + elapsed * this.perMinute);
    const allowed = units >= TOKEN;
    this.remember(key, { units: allowed ? units - TOKEN : units, at: now });
    if (allowed) return ALLOW;
    const waitMs = Math.ceil((TOKEN - units) / this.perMinute);
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  private remember(key: string, bucket: Bucket): void {
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
  }
}
