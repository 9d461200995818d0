import type { CurrentSigningKey, SigningKeyStatus } from './signing-key.types';

/** The times that place a signing key in its life. */
export interface SigningKeyTimes {
  activatedAt: Date | null;
  retiredAt: Date | null;
  publishUntil: Date | null;
}

/** A key that signs from `activatesAt` (epoch milliseconds) on. */
export interface ScheduledKey {
  activatesAt: number;
  key: CurrentSigningKey;
}

/**
 * Where a key stands at `now`: `pending` before its activation time, `current` from then until its
 * retirement, which rotation sets to its successor's activation time, `retiring` while it stays
 * published after that, `retired` afterwards.
 */
export function signingKeyStatus(times: SigningKeyTimes, now: Date): SigningKeyStatus {
  const at = now.getTime();
  if (times.activatedAt === null) return 'retired';
  if (times.activatedAt.getTime() > at) return 'pending';
  if (times.retiredAt === null || times.retiredAt.getTime() > at) return 'current';
  if (times.publishUntil === null || times.publishUntil.getTime() > at) return 'retiring';
  return 'retired';
}

/**
 * The key signing now and the pending keys that follow it, soonest first. Each key signs until
 * the next one activates, so a pending key takes over without a reload.
 */
export class SigningSchedule {
  private current: CurrentSigningKey;
  private readonly pending: ScheduledKey[];

  constructor(current: CurrentSigningKey, pending: ScheduledKey[]) {
    this.current = current;
    this.pending = [...pending].sort((a, b) => a.activatesAt - b.activatesAt);
  }

  /** The key that signs at `now` (epoch milliseconds); only the soonest pending key is compared. */
  at(now: number): CurrentSigningKey {
    let next = this.pending[0];
    while (next !== undefined && next.activatesAt <= now) {
      this.current = next.key;
      this.pending.shift();
      next = this.pending[0];
    }
    return this.current;
  }
}
