import type { DataSource } from 'typeorm';

/** Options of {@link ReplayGuardPurge}. */
export interface ReplayGuardPurgeOptions {
  now: () => Date;
  /** Rows deleted per statement, so no purge holds many locks or runs long; default 1000. */
  batchSize?: number;
  /** Seconds between purges; default 60. */
  intervalSeconds?: number;
  logger?: { error(message: string): void };
}

/**
 * Deletes replay keys whose credentials have expired, in batches, on a timer: a key past its
 * credential's expiry (plus the platform's skew) protects nothing, since the credential is refused
 * as expired anyway. Every replica may run it; the deletes do not conflict.
 */
export class ReplayGuardPurge {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly batchSize: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: ReplayGuardPurgeOptions,
  ) {
    this.batchSize = options.batchSize ?? 1000;
  }

  /** Purges every `intervalSeconds` until {@link stop}; the timer does not hold the process open. */
  start(): void {
    this.timer = setInterval(
      () => {
        if (this.running !== undefined) return;
        this.running = this.purge()
          .catch((error: unknown) => {
            this.options.logger?.error(`replay guard: purge failed: ${String(error)}`);
            return 0;
          })
          .finally(() => {
            this.running = undefined;
          });
      },
      (this.options.intervalSeconds ?? 60) * 1000,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Deletes every expired key, `batchSize` at a time; resolves with how many went. */
  async purge(): Promise<number> {
    const cutoff = this.options.now().toISOString();
    let deleted = 0;
    for (;;) {
      const [, count] = await this.dataSource.query<[unknown, number]>(
        `DELETE FROM replay_guard WHERE replay_key IN (
           SELECT replay_key FROM replay_guard WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [cutoff, this.batchSize],
      );
      deleted += count;
      if (count < this.batchSize) return deleted;
    }
  }
}
