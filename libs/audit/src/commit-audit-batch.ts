import type { Pool, PoolClient } from 'pg';
import { leaseClient, timeLimit, TimeLimitError, type LeasedClient } from '@fedbroker/persistence';
import type { ReplayGuardClaim } from './audit.types';
import { claimReplayKeys } from './claim-replay-keys';
import {
  INSERT_AUDIT_EVENTS_SQL,
  insertAuditEventsParams,
  type AuditRow,
  type ChainColumns,
} from './insert-audit-events';

/** The rows of one batch and their hash-chain columns. */
export interface AuditBatch {
  rows: readonly AuditRow[];
  links: readonly ChainColumns[];
}

/**
 * What to commit: the replay keys the batch claims (by position), and how to build its rows once
 * the positions whose key was already taken are known.
 */
export interface AuditBatchPlan {
  replayClaims: readonly (ReplayGuardClaim | undefined)[];
  build(replayed: ReadonlySet<number>): AuditBatch;
  /**
   * Resolves, once the rows are written and before COMMIT, within `waitMs`, with the positions of
   * the rows that must not be committed after all, each with why; the batch is then rolled back
   * ({@link UnreadyRowsError}).
   */
  unready?(waitMs: number): Promise<ReadonlyMap<number, unknown>>;
}

/** The batch was rolled back, not committed, because the rows at `reasons`' positions were not to be. */
export class UnreadyRowsError extends Error {
  override readonly name = 'UnreadyRowsError';

  constructor(readonly reasons: ReadonlyMap<number, unknown>) {
    super(`${reasons.size} audit row(s) were not to be committed`);
  }
}

/**
 * Why a batch was not confirmed: `not_committed` when it provably was not (its COMMIT was never
 * sent), `unconfirmed` when its COMMIT was sent and no answer came back in time, or the answer was
 * a failure that may have come after the commit (a killed session, a lost connection).
 */
export class BatchCommitError extends Error {
  override readonly name = 'BatchCommitError';

  constructor(
    readonly outcome: 'not_committed' | 'unconfirmed',
    options: { cause: unknown },
  ) {
    super(`audit batch ${outcome.replace('_', ' ')}`, options);
  }
}

export interface CommitOptions {
  /** `performance.now()` after which the batch must not start committing. */
  deadline: number;
  /** How long PostgreSQL lets each statement of the transaction, and the idle time between them, run. */
  statementTimeoutMs: number;
  /** How long to wait for the answer to COMMIT. */
  commitWaitMs: number;
  /** Name of the prepared INSERT, when prepared statements are used. */
  statementName: string | undefined;
}

/** Set by BEGIN for the transaction it opens; the INSERT writes nothing where it is not set. */
const BATCH_TRANSACTION = 'fedbroker.audit_batch';

/**
 * The batch's INSERT: it writes only inside the transaction {@link beginSql} opened, so an INSERT
 * that a pipelined connection ran after a failed BEGIN (in a transaction of its own, committed at
 * once) writes nothing rather than rows no COMMIT decided.
 */
export const INSERT_BATCH_SQL = `${INSERT_AUDIT_EVENTS_SQL} WHERE current_setting('${BATCH_TRANSACTION}', true) = 'on'`;

/**
 * Opens a batch's transaction. Its statements use generic plans: their plans never depend on the
 * values bound (arrays, unnested), and PostgreSQL would otherwise plan the INSERT afresh for every
 * batch, which costs about as much as running it.
 */
function beginSql(limitMs: number): string {
  return (
    `BEGIN; SET LOCAL statement_timeout = ${limitMs}; ` +
    `SET LOCAL idle_in_transaction_session_timeout = ${limitMs}; ` +
    `SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL ${BATCH_TRANSACTION} = 'on'`
  );
}

/**
 * Claims the batch's replay keys and inserts its rows in one transaction on a connection of its
 * own: BEGIN with server-side timeouts, the replay keys (when any), the INSERT, then COMMIT only if
 * the INSERT was answered before `deadline` and every row is ready. Without replay keys, the INSERT
 * is sent behind BEGIN without waiting for it: on a pipelined pool (`pipelinedPoolBeside`) both
 * cost one round trip. A transaction that is abandoned before its COMMIT is never committed: it is
 * rolled back or, when its connection does not answer, the connection is closed, and PostgreSQL's
 * own timeouts end it should the close not reach the server.
 *
 * Resolves with the positions whose replay key was already taken: their rows, as `plan.build`
 * made them, record the replay.
 *
 * @throws {BatchCommitError} `not_committed` or `unconfirmed`, with the failure as its cause.
 */
export async function commitAuditBatch(
  pool: Pool,
  plan: AuditBatchPlan,
  options: CommitOptions,
): Promise<Set<number>> {
  let lease: LeasedClient | undefined;
  let replayed: Set<number>;
  try {
    lease = await leaseClient(pool, left(options.deadline));
    const { client } = lease;
    const begun = client.query(beginSql(Math.max(1, Math.round(options.statementTimeoutMs))));
    replayed = new Set();
    // Without replay keys to claim, the INSERT goes out behind BEGIN without waiting for its answer.
    if (plan.replayClaims.some((claim) => claim !== undefined)) {
      await timeLimit(begun, left(options.deadline), 'BEGIN');
      replayed = await timeLimit(
        claimReplayKeys(client, plan.replayClaims),
        left(options.deadline),
        'claiming replay keys',
      );
    }
    const batch = plan.build(replayed);
    const [, inserted] = await timeLimit(
      Promise.all([begun, insertBatch(client, batch, options.statementName)]),
      left(options.deadline),
      'the audit INSERT',
    );
    if (inserted.rowCount !== batch.rows.length) {
      throw new Error(`the audit INSERT wrote ${inserted.rowCount} of ${batch.rows.length} rows`);
    }
    const unready = await plan.unready?.(left(options.deadline));
    if (unready !== undefined && unready.size > 0) throw new UnreadyRowsError(unready);
    if (left(options.deadline) <= 0) throw new Error('the audit INSERT was answered after the deadline');
  } catch (error) {
    if (lease) await rollBack(lease, error, options.statementTimeoutMs);
    throw new BatchCommitError('not_committed', { cause: error });
  }
  try {
    await timeLimit(lease.client.query('COMMIT'), options.commitWaitMs, 'COMMIT');
  } catch (error) {
    lease.discard();
    throw new BatchCommitError('unconfirmed', { cause: error });
  }
  lease.release();
  return replayed;
}

function insertBatch(client: PoolClient, batch: AuditBatch, statementName: string | undefined) {
  return client.query({
    name: statementName,
    text: INSERT_BATCH_SQL,
    values: insertAuditEventsParams(batch.rows, batch.links),
  });
}

/**
 * Ends a transaction that will not be committed: ROLLBACK when the connection still answers (on
 * embedded PostgreSQL every connection shares one session, so closing it would leave the
 * transaction open), else the connection is closed.
 */
async function rollBack(lease: LeasedClient, failure: unknown, waitMs: number): Promise<void> {
  if (failure instanceof TimeLimitError) {
    lease.discard();
    return;
  }
  try {
    await timeLimit(lease.client.query('ROLLBACK'), waitMs, 'ROLLBACK');
    lease.release();
  } catch {
    lease.discard();
  }
}

function left(deadline: number): number {
  return deadline - performance.now();
}
