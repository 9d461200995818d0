import type { DataSource } from 'typeorm';
import { AuditChain } from './audit-chain';
import { AuditUnavailableError } from './audit.errors';
import type { AuditRecord } from './audit.types';
import {
  INSERT_AUDIT_EVENTS_SQL,
  insertAuditEventsParams,
  toAuditRow,
  type AuditRow,
} from './insert-audit-events';
import { uuidv7 } from './uuidv7';

/** Options of {@link AuditWriter}. */
export interface AuditWriterOptions {
  /** Most rows in one INSERT; default 500. */
  maxBatch?: number;
  /** Most INSERTs in flight at once; default 2 (one committing while the next is sent). */
  maxInFlight?: number;
  /** Where failed flushes are reported; the message never holds record contents. */
  logger?: { error(msg: string): void };
  /**
   * Send the INSERT as a named prepared statement (parsed and planned once per connection). Leave
   * off on embedded PostgreSQL, whose connections share one session.
   */
  preparedStatement?: boolean;
  /** Told of every batch and of a backlog, for metrics and logs. */
  observer?: AuditWriterObserver;
}

/** What an {@link AuditWriter} reports as it works. */
export interface AuditWriterObserver {
  /** A batch of `rows` committed, `seconds` after it was sent. */
  committed(rows: number, seconds: number): void;
  /** A batch of `rows` could not be written: each of its writes was rejected. */
  failed(rows: number): void;
  /**
   * The queue reached `depth` rows: more than every in-flight slot can take at once, so the
   * database is not keeping up. Told once, until the queue empties again.
   */
  backlogged(depth: number): void;
}

/** The slice of the `pg` pool under TypeORM's PostgreSQL driver that the writer uses directly. */
interface PgPool {
  connect(): Promise<PgClient>;
}

interface PgClient {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<unknown>;
  release(): void;
}

/** Counters of what the writer has sent. */
export interface AuditWriterStats {
  /** INSERT statements sent. */
  flushes: number;
  /** Rows committed. */
  rows: number;
}

interface Pending {
  id: string;
  row: AuditRow;
  resolve: (id: string) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes audit events with group commit: records queue in memory; whenever fewer than
 * `maxInFlight` flushes are running, everything queued (up to `maxBatch`) goes out as one INSERT,
 * its own transaction. A flush starts on `setImmediate`, once the requests whose I/O arrived in the
 * same event-loop turn have queued their rows, which keeps batches large under load without a
 * timer. Each {@link write} resolves once its row is committed.
 *
 * Each in-flight slot owns a hash chain ({@link AuditChain}): a batch is linked to its slot's chain
 * as it is sent, in memory, and the chain moves on only once the batch is committed.
 */
export class AuditWriter {
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly logger: { error(msg: string): void } | undefined;
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly counters: AuditWriterStats = { flushes: 0, rows: 0 };
  private readonly statementName: string | undefined;
  private readonly idleChains: AuditChain[];
  private readonly observer: AuditWriterObserver | undefined;
  private backlogged = false;

  constructor(
    private readonly dataSource: DataSource,
    opts: AuditWriterOptions = {},
  ) {
    this.maxBatch = positiveInteger(opts.maxBatch ?? 500, 'maxBatch');
    this.maxInFlight = positiveInteger(opts.maxInFlight ?? 2, 'maxInFlight');
    this.logger = opts.logger;
    this.statementName = opts.preparedStatement ? 'fedbroker_insert_audit_events' : undefined;
    this.idleChains = Array.from({ length: this.maxInFlight }, () => new AuditChain());
    this.observer = opts.observer;
  }

  /** Rows queued and not yet sent. */
  get queueDepth(): number {
    return this.queue.length;
  }

  /** What the writer has sent so far. */
  get stats(): AuditWriterStats {
    return { ...this.counters };
  }

  /**
   * Queues `record`; resolves with its event id (a UUIDv7 of `record.time`) once the row is
   * committed. Rejects with {@link AuditUnavailableError} when the database write fails or the
   * writer is closed, and with `TypeError` when the record is malformed.
   */
  write(record: AuditRecord): Promise<string> {
    if (this.closed) return Promise.reject(new AuditUnavailableError('The audit writer is closed'));
    let id: string;
    let row: AuditRow;
    try {
      id = uuidv7(record.time);
      row = toAuditRow(id, record);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new TypeError('Malformed audit record'));
    }
    return new Promise<string>((resolve, reject) => {
      this.queue.push({ id, row, resolve, reject });
      this.watchBacklog();
      this.schedule();
    });
  }

  /** Stops accepting records and resolves once everything queued has been flushed. */
  async close(): Promise<void> {
    this.closed = true;
    this.drain();
    while (this.inFlight > 0 || this.queue.length > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private watchBacklog(): void {
    if (this.queue.length === 0) this.backlogged = false;
    else if (!this.backlogged && this.queue.length > this.maxBatch * this.maxInFlight) {
      this.backlogged = true;
      this.observer?.backlogged(this.queue.length);
    }
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      const chain = this.idleChains.pop() ?? new AuditChain();
      this.inFlight += 1;
      void this.flush(batch, chain).finally(() => {
        this.idleChains.push(chain);
        this.inFlight -= 1;
        this.drain();
        this.watchBacklog();
        this.notifyIdle();
      });
    }
  }

  private async flush(batch: Pending[], chain: AuditChain): Promise<void> {
    const sentAt = performance.now();
    try {
      this.counters.flushes += 1;
      await this.insert(batch, chain);
    } catch (error) {
      if (batch.length > 1 && isDataError(error)) {
        const half = Math.ceil(batch.length / 2);
        await this.flush(batch.slice(0, half), chain);
        await this.flush(batch.slice(half), chain);
        return;
      }
      // A data error is a definite rollback; anything else may have committed after all.
      if (!isDataError(error)) chain.restart();
      this.logger?.error(`audit: writing ${batch.length} event(s) failed: ${describe(error)}`);
      const failure = new AuditUnavailableError('The audit log is unavailable', { cause: error });
      for (const pending of batch) pending.reject(failure);
      this.observer?.failed(batch.length);
      return;
    }
    this.observer?.committed(batch.length, (performance.now() - sentAt) / 1000);
    this.counters.rows += batch.length;
    for (const pending of batch) pending.resolve(pending.id);
  }

  /**
   * One INSERT on a client of the driver's pool, straight: the hot path skips TypeORM's query
   * runner. Not `pool.query`, which destroys the connection when a statement fails.
   */
  private async insert(batch: readonly Pending[], chain: AuditChain): Promise<void> {
    if (!this.dataSource.isInitialized) throw new AuditUnavailableError('The database is not connected');
    const pool = (this.dataSource.driver as unknown as { master: PgPool }).master;
    const client = await pool.connect();
    try {
      const rows = batch.map((p) => p.row);
      const links = chain.link(rows);
      await client.query({
        name: this.statementName,
        text: INSERT_AUDIT_EVENTS_SQL,
        values: insertAuditEventsParams(rows, links.columns),
      });
      chain.commit(links);
    } finally {
      client.release();
    }
  }

  private notifyIdle(): void {
    if (this.inFlight > 0 || this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): a row's fault, not the database's. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

/** Data errors can quote the offending value, so only their code is logged. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const code = (error as { code?: unknown }).code;
  if (isDataError(error)) return `SQLSTATE ${String(code)}`;
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`AuditWriter ${name} must be a positive integer`);
  return value;
}
