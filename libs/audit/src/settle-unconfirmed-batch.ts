import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import { leaseClient, timeLimit } from '@fedbroker/persistence';
import type { AuditRecord } from './audit.types';
import {
  INSERT_AUDIT_EVENTS_SQL,
  insertAuditEventsParams,
  toAuditRow,
  type AuditRow,
  type ChainColumns,
} from './insert-audit-events';

/** The event that stands for an `issued` record whose commit was never confirmed. */
export const UNCONFIRMED_ISSUE_REASON =
  'the commit of the issued event was not confirmed in time; no token was sent';

export interface UnconfirmedEvent {
  id: string;
  record: AuditRecord;
}

export interface SettleOptions {
  /** Time limit of each attempt (connect, then two statements). */
  attemptMs: number;
  /** Pause between attempts while the database cannot be reached. */
  retryMs: number;
  /** `performance.now()` after which settling gives up. */
  giveUpAt: number;
}

/**
 * Decides, once and for all, whether each event of a batch whose COMMIT went unconfirmed was
 * committed: it inserts the event's stand-in under the same id, and the primary key lets exactly
 * one of the two exist. The stand-in of a denied record is the record itself; that of an issued
 * record is its denial (`unavailable`), so a transaction that had not committed yet never can.
 * An INSERT that meets the other transaction's row waits until that transaction ends.
 *
 * Resolves with the ids whose original record stands (the original committed, or it was a
 * denial), or undefined when the database could not be reached before `giveUpAt`.
 */
export async function settleUnconfirmedBatch(
  pool: Pool,
  events: readonly UnconfirmedEvent[],
  standIns: readonly AuditRow[],
  standInLinks: readonly ChainColumns[],
  options: SettleOptions,
): Promise<Set<string> | undefined> {
  const ids = events.map((e) => e.id);
  for (;;) {
    const left = options.giveUpAt - performance.now();
    if (left <= 0) return undefined;
    const attemptMs = Math.min(options.attemptMs, left);
    try {
      const lease = await leaseClient(pool, attemptMs);
      try {
        await timeLimit(
          lease.client.query(
            `${INSERT_AUDIT_EVENTS_SQL} ON CONFLICT (time, id) DO NOTHING`,
            insertAuditEventsParams(standIns, standInLinks),
          ),
          attemptMs,
          'inserting stand-in events',
        );
        const { rows } = await timeLimit(
          lease.client.query<{ id: string; outcome: string }>(
            `SELECT r.id, CASE r.outcome WHEN 1 THEN 'issued' ELSE 'denied' END AS outcome
             FROM audit_records r JOIN unnest($1::timestamptz[], $2::uuid[]) AS k(time, id)
               ON r.time = k.time AND r.id = k.id`,
            [events.map((e) => e.record.time.toISOString()), ids],
          ),
          attemptMs,
          'reading settled events',
        );
        lease.release();
        const stored = new Map(rows.map((row) => [row.id, row.outcome]));
        return new Set(events.filter((e) => stored.get(e.id) === e.record.outcome).map((e) => e.id));
      } catch (error) {
        lease.discard();
        throw error;
      }
    } catch {
      await sleep(Math.min(options.retryMs, Math.max(0, options.giveUpAt - performance.now())));
    }
  }
}

/**
 * The stand-in rows of a batch. They are linked from the same chain position as the batch itself:
 * the batch committed whole or not at all, so either every stand-in is kept out by its original or
 * every one is inserted, and the chain stays unbroken either way.
 */
export function standInRows(events: readonly UnconfirmedEvent[]): AuditRow[] {
  return events.map((e) => toAuditRow(e.id, standInFor(e.record)));
}

function standInFor(record: AuditRecord): AuditRecord {
  if (record.outcome === 'denied') return record;
  return { ...record, outcome: 'denied', error: 'unavailable', reason: UNCONFIRMED_ISSUE_REASON };
}
