import type { DataSource } from 'typeorm';
import { leaseClient, pgPoolOf } from '@fedbroker/persistence';

/** Options of {@link AuditPartitionMaintenance}. */
export interface AuditPartitionMaintenanceOptions {
  now: () => Date;
  /** Days audit events are kept; partitions wholly older are dropped. Unset: kept forever. */
  retentionDays?: number;
  /** Day partitions kept ready ahead of today; default 7. */
  daysAhead?: number;
  /** Seconds between runs; default 3600. */
  intervalSeconds?: number;
  /**
   * Dictionary strings looked at per transaction of the prune; default 5000. A write that needs a
   * string being pruned waits for that transaction only.
   */
  pruneChunk?: number;
  logger?: { info(message: string): void; error(message: string): void };
}

/** What one run did; `skipped` when another replica holds the maintenance lock. */
export interface AuditPartitionReport {
  skipped: boolean;
  created: string[];
  dropped: string[];
  compacted: string[];
  /** Strings of the audit dictionary deleted: no event kept can use them any longer. */
  pruned: number;
}

/** Session advisory lock held by the one replica maintaining the partitions ("audi", "part"). */
const LOCK = [1635083369, 1885434484] as const;

/** How long a partition DDL may wait for its lock before the run gives up until the next one. */
const LOCK_TIMEOUT = '2s';

const COMPACTED = 'fedbroker: compacted';

const PRUNE_CHUNK = 5_000;

type Query = (sql: string, values?: unknown[]) => Promise<string[]>;

/**
 * Keeps the day partitions of `audit_records`, on a timer, in one replica at a time (a PostgreSQL
 * advisory lock): creates those of the next `daysAhead` days, drops those wholly older than
 * `retentionDays` (through `audit_drop_partitions`, which anchors the hash chains first) and the
 * dictionary strings no event kept can use (`audit_prune_strings`), and
 * compacts each day once it is over: its indexes, filled half-way by a day of inserts in the
 * middle of their key ranges, are rebuilt full (fillfactor 100: nothing is written there again).
 */
export class AuditPartitionMaintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: AuditPartitionMaintenanceOptions,
  ) {}

  /**
   * Makes the partitions of today and the days ahead before resolving (so that no partition is
   * attached under the first requests' inserts), then runs in full now and every `intervalSeconds`
   * until {@link stop}; the timer does not hold the process open. A failure is logged, never thrown.
   */
  async start(): Promise<void> {
    await this.locked((query) => this.createAhead(query)).catch((error: unknown) => {
      this.options.logger?.error(`audit partitions: creating them failed: ${String(error)}`);
    });
    const tick = () => {
      if (this.running !== undefined) return;
      this.running = this.run()
        .catch((error: unknown) => {
          this.options.logger?.error(`audit partitions: maintenance failed: ${String(error)}`);
        })
        .finally(() => {
          this.running = undefined;
        });
    };
    tick();
    this.timer = setInterval(tick, (this.options.intervalSeconds ?? 3600) * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One maintenance run. */
  async run(): Promise<AuditPartitionReport> {
    const report = await this.locked(async (query) => {
      const today = utcDay(this.options.now(), 0);
      const created = await this.createAhead(query);
      let dropped: string[] = [];
      let pruned = 0;
      if (this.options.retentionDays !== undefined) {
        const keepFrom = utcDay(this.options.now(), -this.options.retentionDays);
        dropped = await query(`SELECT audit_drop_partitions($1::date) AS v`, [keepFrom]);
        pruned = await this.pruneStrings(query, keepFrom);
      }
      const compacted: string[] = [];
      for (const partition of await this.uncompacted(query, today)) {
        await query(`REINDEX TABLE CONCURRENTLY ${partition}`);
        await query(`COMMENT ON TABLE ${partition} IS '${COMPACTED}'`);
        compacted.push(partition);
      }
      return { skipped: false, created, dropped, compacted, pruned };
    });
    if (report === undefined) return { skipped: true, created: [], dropped: [], compacted: [], pruned: 0 };
    if (report.created.length + report.dropped.length + report.compacted.length + report.pruned > 0) {
      this.options.logger?.info(
        `audit partitions: created ${list(report.created)}; dropped ${list(report.dropped)}; ` +
          `compacted ${list(report.compacted)}; ${report.pruned} dictionary string(s) pruned`,
      );
    }
    return report;
  }

  /** Today's partition and those of the `daysAhead` days after it, where missing. */
  private createAhead(query: Query): Promise<string[]> {
    return query(`SELECT audit_create_partitions($1::date, $2) AS v`, [
      utcDay(this.options.now(), 0),
      (this.options.daysAhead ?? 7) + 1,
    ]);
  }

  /** `work` under the maintenance lock, on a connection of its own; undefined when another replica holds it. */
  private async locked<T>(work: (query: Query) => Promise<T>): Promise<T | undefined> {
    const lease = await leaseClient(pgPoolOf(this.dataSource), 10_000);
    const query: Query = async (sql, values = []) =>
      (await lease.client.query<{ v: string }>(sql, values)).rows.map((row) => row.v);
    let result: T | undefined;
    try {
      const [locked] = await query(`SELECT pg_try_advisory_lock($1, $2)::text AS v`, [...LOCK]);
      if (locked === 'true') {
        try {
          await query(`SET lock_timeout = '${LOCK_TIMEOUT}'`);
          result = await work(query);
        } finally {
          await query(`RESET lock_timeout`);
          await query(`SELECT pg_advisory_unlock($1, $2)::text AS v`, [...LOCK]);
        }
      }
      lease.release();
    } catch (error) {
      lease.discard();
      throw error;
    }
    return result;
  }

  /**
   * Deletes the dictionary strings no event from `keepFrom` on can use, a chunk per transaction,
   * until every string was looked at or the maintenance stops; how many it deleted.
   */
  private async pruneStrings(query: Query, keepFrom: string): Promise<number> {
    let pruned = 0;
    let after = 0;
    while (!this.stopping) {
      const [chunk] = await query(
        `SELECT json_build_array(pruned, last_id)::text AS v FROM audit_prune_strings($1::date, $2, $3)`,
        [keepFrom, after, this.options.pruneChunk ?? PRUNE_CHUNK],
      );
      const [count, lastId] = JSON.parse(chunk ?? '[0, null]') as [number, number | null];
      pruned += count;
      if (lastId === null) break;
      after = lastId;
    }
    return pruned;
  }

  /** Day partitions before `today` not compacted yet, their indexes set to fill their pages. */
  private async uncompacted(query: Query, today: string): Promise<string[]> {
    const partitions = await query(
      `SELECT c.relname AS v FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'audit_records'::regclass AND c.relname ~ '^audit_records_p[0-9]{8}$'
         AND c.relname < audit_partition_name($1::date)
         AND obj_description(c.oid, 'pg_class') IS DISTINCT FROM $2
       ORDER BY c.relname`,
      [today, COMPACTED],
    );
    for (const partition of partitions) {
      const indexes = await query(
        `SELECT indexrelid::regclass::text AS v FROM pg_index WHERE indrelid = $1::regclass`,
        [partition],
      );
      for (const index of indexes) await query(`ALTER INDEX ${index} SET (fillfactor = 100)`);
    }
    return partitions;
  }
}

function utcDay(now: Date, offsetDays: number): string {
  return new Date(now.getTime() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

function list(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}
