import type { DataSource } from 'typeorm';
import { AuditRecordError, AuditUnavailableError } from './audit.errors';
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

  constructor(
    private readonly dataSource: DataSource,
    opts: AuditWriterOptions = {},
  ) {
    this.maxBatch = positiveInteger(opts.maxBatch ?? 500, 'maxBatch');
    this.maxInFlight = positiveInteger(opts.maxInFlight ?? 2, 'maxInFlight');
    this.logger = opts.logger;
    this.statementName = opts.preparedStatement ? 'fedbroker_insert_audit_events' : undefined;
  }

  /** What the writer has sent so far. */
  get stats(): AuditWriterStats {
    return { ...this.counters };
  }

  /**
   * Queues `record`; resolves with its event id (a UUIDv7 of `record.time`) once the row is
   * committed. Rejects with {@link AuditUnavailableError} when the database cannot be reached or
   * cannot commit, or the writer is closed; with {@link AuditRecordError} when the record is
   * malformed or the database refuses it as data.
   */
  write(record: AuditRecord): Promise<string> {
    if (this.closed) return Promise.reject(new AuditUnavailableError('The audit writer is closed'));
    let id: string;
    let row: AuditRow;
    try {
      id = uuidv7(record.time);
      row = toAuditRow(id, record);
    } catch (error) {
      return Promise.reject(new AuditRecordError('Malformed audit record', { cause: error }));
    }
    return new Promise<string>((resolve, reject) => {
      this.queue.push({ id, row, resolve, reject });
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
      this.inFlight += 1;
      void this.flush(batch).finally(() => {
        this.inFlight -= 1;
        this.drain();
        this.notifyIdle();
      });
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    try {
      this.counters.flushes += 1;
      await this.insert(batch);
    } catch (error) {
      if (batch.length > 1 && isDataError(error)) {
        const half = Math.ceil(batch.length / 2);
        await this.flush(batch.slice(0, half));
        await this.flush(batch.slice(half));
        return;
      }
      this.logger?.error(`audit: writing ${batch.length} event(s) failed: ${describe(error)}`);
      const failure = isDataError(error)
        ? new AuditRecordError('The database refused the audit record', { cause: error })
        : new AuditUnavailableError('The audit log is unavailable', { cause: error });
      for (const pending of batch) pending.reject(failure);
      return;
    }
    this.counters.rows += batch.length;
    for (const pending of batch) pending.resolve(pending.id);
  }

  /**
   * One INSERT on a client of the driver's pool, straight: the hot path skips TypeORM's query
   * runner. Not `pool.query`, which destroys the connection when a statement fails.
   */
  private async insert(batch: readonly Pending[]): Promise<void> {
    if (!this.dataSource.isInitialized) throw new AuditUnavailableError('The database is not connected');
    const pool = (this.dataSource.driver as unknown as { master: PgPool }).master;
    const client = await pool.connect();
    try {
      await client.query({
        name: this.statementName,
        text: INSERT_AUDIT_EVENTS_SQL,
        values: insertAuditEventsParams(batch.map((p) => p.row)),
      });
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
