import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { DatabaseProbe, pgPoolOf, pipelinedPoolBeside } from '@fedbroker/persistence';
import { AuditRecordError, AuditReplayedError, AuditUnavailableError } from './audit.errors';
import { AuditChain, type ChainLinks } from './audit-chain';
import type { AuditRecord } from './audit.types';
import { BatchCommitError, commitAuditBatch, UnreadyRowsError } from './commit-audit-batch';
import { DatabaseOutage } from './database-outage';
import { toAuditRow, type AuditRow } from './insert-audit-events';
import { RecordedDenials } from './recorded-denials';
import { settleUnconfirmedBatch, standInRows } from './settle-unconfirmed-batch';
import { uuidv7 } from './uuidv7';

const SETTLE_RETRY_MS = 250;
/** The audit `error` of a credential presented again under one-time use. */
const REPLAYED = 'replayed';

/** Options of {@link AuditWriter}. */
export interface AuditWriterOptions {
  /** Most rows in one INSERT; default 500. */
  maxBatch?: number;
  /**
   * Most INSERTs in flight at once; default 2. A second and later one goes out only for a full batch
   * (`maxBatch` rows): below that, rows wait for the running one and go out together.
   */
  maxInFlight?: number;
  /**
   * Milliseconds a write may wait for its commit; default 1000. A write whose transaction has not
   * reached COMMIT by then is rejected with {@link AuditUnavailableError} and its row is never
   * committed. One whose COMMIT was sent but not confirmed waits until the database says whether
   * it committed, for at most `settleTimeoutMs`.
   */
  timeoutMs?: number;
  /** How long PostgreSQL lets an audit statement, or the pause between two, last; default `timeoutMs`. */
  statementTimeoutMs?: number;
  /** Most milliseconds a write with an unconfirmed COMMIT waits for its outcome; default 30 000. */
  settleTimeoutMs?: number;
  /** Where failed flushes are reported; the message never holds record contents. */
  logger?: { error(msg: string): void };
  /**
   * Send the INSERT as a named prepared statement (parsed and planned once per connection). Leave
   * off on embedded PostgreSQL, whose connections share one session.
   */
  preparedStatement?: boolean;
  /**
   * Commit batches on a pipelined pool of the writer's own (`maxInFlight` connections beside the
   * data source's), where BEGIN and the INSERT go out together: one round trip fewer per batch.
   * Leave off on embedded PostgreSQL, whose connections share one session.
   */
  pipeline?: boolean;
  /** Told of every batch and of a backlog, for metrics and logs. */
  observer?: AuditWriterObserver;
}

/** What an {@link AuditWriter} reports as it works. */
export interface AuditWriterObserver {
  /** `rows` were committed, `seconds` after their batch was sent (or settled). */
  committed(rows: number, seconds: number): void;
  /** `rows` could not be written: each of their writes was rejected, and its request refused. */
  failed(rows: number): void;
  /**
   * The queue reached `depth` rows: more than every in-flight slot can take at once, so the
   * database is not keeping up. Told once, until the queue empties again.
   */
  backlogged(depth: number): void;
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
  record: AuditRecord;
  row: AuditRow;
  /** `performance.now()` after which the write is answered as unavailable if not yet committing. */
  deadline: number;
  /** Settles before the row may be committed; a rejection keeps it out of the log. */
  ready: Promise<unknown> | undefined;
  resolve: (id: string) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes audit events with group commit: records queue in memory; when no flush is running,
 * everything queued (up to `maxBatch`) goes out as one INSERT, its own transaction. While one runs,
 * what queues waits for it to end and goes out as the next batch, unless a full batch is waiting:
 * then up to `maxInFlight` flushes run at once. A flush starts on `setImmediate`, once the requests
 * whose I/O arrived in the same event-loop turn have queued their rows. So an idle writer sends a
 * lone row at once, and under load batches grow to what arrives during one commit, without a timer:
 * each batch costs the database a transaction and three round trips, whatever its size. Each {@link write} resolves once its row is committed, and is rejected once it cannot be:
 * within `timeoutMs`, or, when its COMMIT went unconfirmed, once the database has settled it.
 *
 * Each in-flight slot owns a hash chain ({@link AuditChain}): a batch is linked to its slot's chain
 * as it is sent, in memory, and the chain moves on only once the batch is committed; a batch whose
 * commit went unconfirmed ends its chain.
 *
 * Once a write could not reach the database or commit, the writer is failing: it refuses new
 * writes at once, while a probe asks the database every 250 ms whether it answers again.
 */
export class AuditWriter {
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;
  private readonly statementTimeoutMs: number;
  private readonly settleTimeoutMs: number;
  private readonly logger: { error(msg: string): void } | undefined;
  private queue: Pending[] = [];
  private inFlight = 0;
  private settling = 0;
  private scheduled = false;
  private readonly outage: DatabaseOutage;
  private expiry: NodeJS.Timeout | undefined;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly counters: AuditWriterStats = { flushes: 0, rows: 0 };
  private readonly statementName: string | undefined;
  private readonly recordedDenials = new RecordedDenials();
  private readonly idleChains: AuditChain[];
  private readonly observer: AuditWriterObserver | undefined;
  private backlogged = false;
  private readonly pipeline: boolean;
  private pipelinedPool: Pool | undefined;

  constructor(
    private readonly dataSource: DataSource,
    opts: AuditWriterOptions = {},
  ) {
    this.maxBatch = positiveInteger(opts.maxBatch ?? 500, 'maxBatch');
    this.maxInFlight = positiveInteger(opts.maxInFlight ?? 2, 'maxInFlight');
    this.timeoutMs = positiveInteger(opts.timeoutMs ?? 1_000, 'timeoutMs');
    this.statementTimeoutMs = positiveInteger(
      opts.statementTimeoutMs ?? this.timeoutMs,
      'statementTimeoutMs',
    );
    this.settleTimeoutMs = positiveInteger(opts.settleTimeoutMs ?? 30_000, 'settleTimeoutMs');
    this.logger = opts.logger;
    this.statementName = opts.preparedStatement ? 'fedbroker_insert_audit_events' : undefined;
    this.idleChains = Array.from({ length: this.maxInFlight }, () => new AuditChain());
    this.outage = new DatabaseOutage(new DatabaseProbe(dataSource, this.timeoutMs), this.logger);
    this.observer = opts.observer;
    this.pipeline = opts.pipeline ?? false;
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
   * committed. Rejects with {@link AuditUnavailableError} when the database cannot be reached or
   * cannot commit in time, at once while the writer is failing, or when the writer is closed; with
   * {@link AuditRecordError} when the record is malformed or the database refuses it as data.
   *
   * When the writer had to record an `issued` record's denial in its place (its commit went
   * unconfirmed and never happened), the denial of the same exchange (same `exchangeId`) resolves
   * with that event's id instead of adding a second event.
   *
   * With `ready`, the row is written at once but committed only once `ready` resolves (what the
   * event records, a token's signature say, can be finished meanwhile); when `ready` rejects, the
   * row is never committed and the write rejects with the same reason.
   */
  write(record: AuditRecord, ready?: Promise<unknown>): Promise<string> {
    // A rejection of `ready` is this write's to report, once its batch gets to it, if ever.
    ready?.catch(() => undefined);
    if (this.closed) return Promise.reject(new AuditUnavailableError('The audit writer is closed'));
    const recorded =
      record.outcome === 'denied' && record.exchangeId !== undefined
        ? this.recordedDenials.take(record.exchangeId)
        : undefined;
    if (recorded !== undefined) return Promise.resolve(recorded);
    let id: string;
    let row: AuditRow;
    try {
      id = uuidv7(record.time);
      row = toAuditRow(id, record);
    } catch (error) {
      return Promise.reject(new AuditRecordError('Malformed audit record', { cause: error }));
    }
    if (this.outage.ongoing) {
      this.observer?.failed(1);
      return Promise.reject(new AuditUnavailableError('The audit log is unavailable'));
    }
    return new Promise<string>((resolve, reject) => {
      this.queue.push({
        id,
        record,
        row,
        deadline: performance.now() + this.timeoutMs,
        ready,
        resolve,
        reject,
      });
      this.armExpiry();
      this.watchBacklog();
      this.schedule();
    });
  }

  /**
   * Stops accepting records and resolves once everything queued has been flushed, and every
   * unconfirmed commit settled.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.outage.stop();
    this.drain();
    while (!this.idle()) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    clearTimeout(this.expiry);
    await this.pipelinedPool?.end();
  }

  /** Where batches are committed: the data source's pool, or with `pipeline` the writer's own. */
  private batchPool(): Pool {
    if (!this.pipeline) return pgPoolOf(this.dataSource);
    this.pipelinedPool ??= pipelinedPoolBeside(pgPoolOf(this.dataSource), this.maxInFlight);
    return this.pipelinedPool;
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
      if (this.inFlight > 0 && this.queue.length < this.maxBatch) return;
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight += 1;
      const chain = this.idleChains.pop() ?? new AuditChain();
      void this.flush(batch, chain).finally(() => {
        this.idleChains.push(chain);
        this.inFlight -= 1;
        this.drain();
        this.watchBacklog();
        this.notifyIdle();
      });
    }
  }

  /** One timer at a time, for the oldest queued write: the queue is in deadline order. */
  private armExpiry(): void {
    const oldest = this.queue[0];
    if (this.expiry !== undefined || oldest === undefined) return;
    this.expiry = setTimeout(
      () => {
        this.expiry = undefined;
        this.expireQueued();
      },
      Math.max(0, oldest.deadline - performance.now()),
    );
  }

  private expireQueued(): void {
    const now = performance.now();
    let expired = 0;
    while (this.queue[0] !== undefined && this.queue[0].deadline <= now) {
      this.queue.shift()?.reject(new AuditUnavailableError('The audit log did not answer in time'));
      expired += 1;
    }
    if (expired > 0) {
      this.observer?.failed(expired);
      this.watchBacklog();
      this.logger?.error(`audit: ${expired} event(s) waited ${this.timeoutMs} ms for the database in vain`);
      this.outage.begin();
    }
    this.armExpiry();
    this.notifyIdle();
  }

  private async flush(batch: Pending[], chain: AuditChain): Promise<void> {
    this.counters.flushes += 1;
    const sentAt = performance.now();
    let links: ChainLinks | undefined;
    let replayed: Set<number>;
    try {
      if (!this.dataSource.isInitialized) throw new AuditUnavailableError('The database is not connected');
      replayed = await commitAuditBatch(
        this.batchPool(),
        {
          replayClaims: batch.map((p) => (p.record.outcome === 'issued' ? p.record.replayGuard : undefined)),
          build: (lost) => {
            const rows = batch.map((p, i) => (lost.has(i) ? replayedRow(p) : p.row));
            links = chain.link(rows);
            return { rows, links: links.columns };
          },
          ...(batch.some((pending) => pending.ready !== undefined)
            ? { unready: (waitMs: number) => unreadyIn(batch, waitMs) }
            : {}),
        },
        {
          deadline: batch[0]?.deadline ?? 0,
          statementTimeoutMs: this.statementTimeoutMs,
          commitWaitMs: this.timeoutMs,
          statementName: this.statementName,
        },
      );
    } catch (error) {
      if (error instanceof BatchCommitError && error.outcome === 'unconfirmed') {
        this.settle(batch, chain, error.cause, sentAt);
        chain.restart();
        return;
      }
      const cause = error instanceof BatchCommitError ? error.cause : error;
      if (cause instanceof UnreadyRowsError) {
        await this.flushReady(batch, cause.reasons, chain);
        return;
      }
      if (batch.length > 1 && isDataError(cause)) {
        const half = Math.ceil(batch.length / 2);
        await this.flush(batch.slice(0, half), chain);
        await this.flush(batch.slice(half), chain);
        return;
      }
      this.logger?.error(`audit: writing ${batch.length} event(s) failed: ${describe(cause)}`);
      const failure = isDataError(cause)
        ? new AuditRecordError('The database refused the audit record', { cause })
        : new AuditUnavailableError('The audit log is unavailable', { cause });
      if (failure instanceof AuditUnavailableError) this.outage.begin();
      for (const pending of batch) pending.reject(failure);
      this.observer?.failed(batch.length);
      return;
    }
    this.observer?.committed(batch.length, (performance.now() - sentAt) / 1000);
    if (links !== undefined) chain.commit(links);
    this.outage.end();
    this.counters.rows += batch.length;
    batch.forEach((pending, i) => {
      const key = pending.record.replayGuard?.key;
      if (!replayed.has(i) || key === undefined || pending.record.outcome !== 'issued') {
        pending.resolve(pending.id);
        return;
      }
      if (pending.record.exchangeId !== undefined)
        this.recordedDenials.add(pending.record.exchangeId, pending.id);
      pending.reject(new AuditReplayedError(key));
    });
  }

  /**
   * Rejects the writes at the positions of `unready` with its reasons, and commits the others. When
   * a row was still not ready as the batch's time ran out, the others have no time left either: they
   * are refused as unavailable too, which says nothing of the database.
   */
  private async flushReady(
    batch: Pending[],
    unready: ReadonlyMap<number, unknown>,
    chain: AuditChain,
  ): Promise<void> {
    const outOfTime = [...unready.values()].some((reason) => reason instanceof RowNotReadyInTime);
    const others = outOfTime ? [] : batch.filter((_, i) => !unready.has(i));
    for (const [i, pending] of batch.entries()) {
      if (unready.has(i)) pending.reject(unready.get(i));
      else if (outOfTime)
        pending.reject(new AuditUnavailableError('The audit event was not written in time'));
    }
    this.observer?.failed(batch.length - others.length);
    if (others.length > 0) await this.flush(others, chain);
  }

  /** A COMMIT went unconfirmed: its writes wait until the database says which of them stand. */
  private settle(batch: Pending[], chain: AuditChain, cause: unknown, sentAt: number): void {
    this.settling += 1;
    const events = batch.map(({ id, record }) => ({ id, record }));
    const standIns = standInRows(events);
    this.logger?.error(
      `audit: the commit of ${batch.length} event(s) was not confirmed (${describe(cause)}); settling it`,
    );
    void settleUnconfirmedBatch(pgPoolOf(this.dataSource), events, standIns, chain.link(standIns).columns, {
      attemptMs: this.timeoutMs,
      retryMs: SETTLE_RETRY_MS,
      giveUpAt: performance.now() + this.settleTimeoutMs,
    })
      .catch(() => undefined)
      .then((standing) => this.conclude(batch, standing, sentAt))
      .finally(() => {
        this.settling -= 1;
        this.notifyIdle();
      });
  }

  private conclude(batch: readonly Pending[], standing: Set<string> | undefined, sentAt: number): void {
    if (standing === undefined) {
      this.observer?.failed(batch.length);
      this.logger?.error(
        `audit: gave up settling events ${batch.map((p) => p.id).join(', ')} after ${this.settleTimeoutMs} ms; ` +
          'their requests are answered as unavailable although they may have been committed',
      );
      const failure = new AuditUnavailableError('The audit log did not confirm the commit');
      for (const pending of batch) pending.reject(failure);
      return;
    }
    this.outage.end();
    // Each event of the batch stands now: the original, or the denial recorded in its place.
    this.observer?.committed(batch.length, (performance.now() - sentAt) / 1000);
    for (const pending of batch) {
      if (standing.has(pending.id)) {
        this.counters.rows += 1;
        pending.resolve(pending.id);
      } else {
        if (pending.record.exchangeId !== undefined) {
          this.recordedDenials.add(pending.record.exchangeId, pending.id);
        }
        pending.reject(new AuditUnavailableError('The audit log did not confirm the commit'));
      }
    }
  }

  private idle(): boolean {
    return this.inFlight === 0 && this.queue.length === 0 && this.settling === 0;
  }

  private notifyIdle(): void {
    if (!this.idle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** A row whose `ready` had not settled when its batch's time ran out. */
class RowNotReadyInTime extends AuditUnavailableError {
  constructor() {
    super('The audit event was not ready in time');
  }
}

/**
 * The positions of `batch` whose `ready` rejects, with its reason, or is still pending after
 * `waitMs`, with a {@link RowNotReadyInTime}.
 */
async function unreadyIn(batch: readonly Pending[], waitMs: number): Promise<Map<number, unknown>> {
  const late = Symbol('late');
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof late>((resolve) => {
    timer = setTimeout(() => resolve(late), Math.max(0, waitMs));
  });
  const outcomes = await Promise.all(
    batch.map((pending) =>
      pending.ready === undefined
        ? Promise.resolve(undefined)
        : Promise.race([
            pending.ready.then(
              () => undefined,
              (reason: unknown) => ({ reason }),
            ),
            expired,
          ]),
    ),
  );
  clearTimeout(timer);
  const unready = new Map<number, unknown>();
  outcomes.forEach((outcome, i) => {
    if (outcome === late) unready.set(i, new RowNotReadyInTime());
    else if (outcome !== undefined) unready.set(i, outcome.reason);
  });
  return unready;
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

/** The event stored in place of an `issued` record whose credential was already used. */
function replayedRow(pending: Pending): AuditRow {
  return toAuditRow(pending.id, {
    ...pending.record,
    outcome: 'denied',
    error: REPLAYED,
    reason: `the credential was already used (one-time use, replay key ${pending.record.replayGuard?.key})`,
    tokenId: null,
    expiresAt: null,
    issuedSubject: null,
  });
}
