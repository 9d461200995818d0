import { setTimeout as sleep } from 'node:timers/promises';

const PROBE_INTERVAL_MS = 250;

/**
 * A database outage as the audit writer sees it: it begins when a write cannot reach the database
 * or commit, and ends when a commit succeeds or a probe, asked every 250 ms meanwhile, sees the
 * database answer.
 */
export class DatabaseOutage {
  private active = false;
  private probing = false;
  private stopped = false;

  constructor(
    private readonly probe: { reachable(): Promise<boolean> },
    private readonly logger: { error(msg: string): void } | undefined,
  ) {}

  get ongoing(): boolean {
    return this.active;
  }

  begin(): void {
    if (!this.active) this.logger?.error('audit: refusing writes until the database answers again');
    this.active = true;
    if (this.probing) return;
    this.probing = true;
    void this.probeUntilOver().finally(() => {
      this.probing = false;
    });
  }

  end(): void {
    if (this.active) this.logger?.error('audit: the database answers again');
    this.active = false;
  }

  /** No more probes (the writer is closed). */
  stop(): void {
    this.stopped = true;
  }

  private async probeUntilOver(): Promise<void> {
    while (this.active && !this.stopped) {
      if (await this.probe.reachable()) {
        this.end();
        return;
      }
      await sleep(PROBE_INTERVAL_MS, undefined, { ref: false });
    }
  }
}
