import type { DataSource } from 'typeorm';
import { leaseClient, pgPoolOf, type LeasedClient } from './pg-pool';
import { timeLimit } from './time-limit';

/**
 * Whether the database answers, for readiness checks: one `SELECT 1` at a time, on a connection of
 * its own that is closed when it does not answer within the time limit.
 */
export class DatabaseProbe {
  private running: Promise<boolean> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly timeoutMs = 500,
  ) {}

  /** Resolves within the time limit: whether `SELECT 1` was answered. Callers share a running probe. */
  reachable(): Promise<boolean> {
    this.running ??= this.probe().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async probe(): Promise<boolean> {
    if (!this.dataSource.isInitialized) return false;
    const deadline = performance.now() + this.timeoutMs;
    let lease: LeasedClient | undefined;
    try {
      lease = await leaseClient(pgPoolOf(this.dataSource), this.timeoutMs);
      await timeLimit(lease.client.query('SELECT 1'), deadline - performance.now(), 'SELECT 1');
      lease.release();
      return true;
    } catch {
      lease?.discard();
      return false;
    }
  }
}
