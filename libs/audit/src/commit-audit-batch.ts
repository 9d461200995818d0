import type { Pool } from 'pg';
import { leaseClient, timeLimit, TimeLimitError, type LeasedClient } from '@fedbroker/persistence';
import {
  INSERT_AUDIT_EVENTS_SQL,
  insertAuditEventsParams,
  type AuditRow,
  type ChainColumns,
} from './insert-audit-events';

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

/**
 * Inserts `rows`, with their hash-chain `links`, in one transaction on a connection of its own: BEGIN with server-side timeouts,
 * the INSERT, then COMMIT only if the INSERT was answered before `deadline`. A transaction that is
 * abandoned before its COMMIT is never committed: it is rolled back or, when its connection does
 * not answer, the connection is closed, and PostgreSQL's own timeouts end it should the close not
 * reach the server.
 *
 * @throws {BatchCommitError} `not_committed` or `unconfirmed`, with the failure as its cause.
 */
export async function commitAuditBatch(
  pool: Pool,
  rows: readonly AuditRow[],
  links: readonly ChainColumns[],
  options: CommitOptions,
): Promise<void> {
  let lease: LeasedClient | undefined;
  try {
    lease = await leaseClient(pool, left(options.deadline));
    const limit = Math.max(1, Math.round(options.statementTimeoutMs));
    await timeLimit(
      lease.client.query(
        `BEGIN; SET LOCAL statement_timeout = ${limit}; SET LOCAL idle_in_transaction_session_timeout = ${limit}`,
      ),
      left(options.deadline),
      'BEGIN',
    );
    await timeLimit(
      lease.client.query({
        name: options.statementName,
        text: INSERT_AUDIT_EVENTS_SQL,
        values: insertAuditEventsParams(rows, links),
      }),
      left(options.deadline),
      'the audit INSERT',
    );
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
