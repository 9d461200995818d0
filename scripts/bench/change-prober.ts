// How long one catalog change takes to reach every replica. One probe loop per replica asks `/token`
// every few ms, for as long as the prober runs: while a change is timed, the exchange only the change
// grants, until the replica grants it; otherwise an exchange no policy grants. Windows with and without
// changes thus carry the same probe load, and only the changes differ.
import { sleep } from '../bench-support';
import type { BenchBroker } from './broker-process';

/** How often each replica is asked. */
const POLL_INTERVAL_MS = 5;

/** After this long without the change, the replica is reported as not serving it. */
const PATIENCE_MS = 15_000;

/** An admin write whose effect is timed. */
export interface CatalogWrite {
  /** E.g. `POST /admin/v1/policies bench-change-3`. */
  what: string;
  send(): Promise<void>;
}

export interface ChangeTiming {
  write: string;
  /** From sending the write until the writer answered it. */
  answeredMs: number;
  /** Per replica, from sending the write until it first granted the probe: the change took effect. */
  seenMs: number[];
}

interface PendingChange {
  what: string;
  probe: string;
  started: number;
  seen: (number | undefined)[];
  allSeen(): void;
}

async function exchange(broker: BenchBroker, form: string): Promise<{ status: number; text: string }> {
  const response = await fetch(broker.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return { status: response.status, text: await response.text() };
}

export class ChangeProber {
  /** The 200 bodies the probes got (issued tokens: their audit rows are checked). */
  readonly okBodies: string[] = [];
  private pending: PendingChange | undefined;
  private loops: Promise<void>[] = [];
  private running = false;
  private failure: Error | undefined;

  /** `refusedProbe`: an exchange form no policy grants, asked between changes. */
  constructor(
    private readonly replicas: readonly BenchBroker[],
    private readonly refusedProbe: string,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.replicas.map((replica, index) => this.loop(replica, index));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
    this.throwIfFailed();
  }

  /**
   * Sends `write` and measures when each replica first grants `probe`, an exchange form that must be
   * refused (400) before the write and granted after it. Throws when a replica grants it before the
   * write, answers anything but 400 or 200, or does not grant it within 15 s.
   */
  async time(write: CatalogWrite, probe: string): Promise<ChangeTiming> {
    this.throwIfFailed();
    for (const replica of this.replicas) {
      const before = await exchange(replica, probe);
      if (before.status !== 400) {
        throw new Error(`${replica.name}: before ${write.what}, the probe got ${before.status}, not 400`);
      }
    }
    let allSeen = (): void => undefined;
    const seenByAll = new Promise<void>((resolve) => (allSeen = resolve));
    const started = performance.now();
    const pending: PendingChange = {
      what: write.what,
      probe,
      started,
      seen: this.replicas.map(() => undefined),
      allSeen,
    };
    this.pending = pending;
    try {
      const answeredMs = await write.send().then(() => performance.now() - started);
      const patience = sleep(PATIENCE_MS).then(() => 'timeout' as const);
      if ((await Promise.race([seenByAll, patience])) === 'timeout') {
        const missing = this.replicas.filter((_, i) => pending.seen[i] === undefined).map((r) => r.name);
        throw new Error(`${write.what} not in effect on ${missing.join(', ')} after ${PATIENCE_MS} ms`);
      }
      this.throwIfFailed();
      return { write: write.what, answeredMs, seenMs: pending.seen.map((ms) => ms ?? Number.NaN) };
    } finally {
      this.pending = undefined;
    }
  }

  private async loop(replica: BenchBroker, index: number): Promise<void> {
    while (this.running && this.failure === undefined) {
      const pending = this.pending?.seen[index] === undefined ? this.pending : undefined;
      const { status, text } = await exchange(replica, pending?.probe ?? this.refusedProbe);
      if (pending !== undefined && status === 200) {
        this.okBodies.push(text);
        pending.seen[index] = performance.now() - pending.started;
        if (pending.seen.every((ms) => ms !== undefined)) pending.allSeen();
      } else if (status !== 400) {
        const what = pending === undefined ? 'the refused probe' : `the probe of ${pending.what}`;
        this.failure = new Error(`${replica.name}: ${what} got ${status}: ${text}`);
        this.pending?.allSeen();
      }
      await sleep(POLL_INTERVAL_MS);
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
