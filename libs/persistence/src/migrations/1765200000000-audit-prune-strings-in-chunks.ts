import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PRUNE_STRINGS_IN_ONE_STATEMENT } from './1765100000000-audit-strings-retention';

/**
 * The dictionary is pruned a chunk at a time. `audit_prune_strings(keep_from)` deleted every string
 * to go in one statement and held each until it ended: 2 million strings took 15 s, a write meeting
 * one of them waited as long (past its statement timeout, so the audit log was reported
 * unavailable), and the maintenance's query timeout could fail the prune for good.
 *
 * `audit_prune_strings(keep_from, after_id, batch)` looks at the `batch` strings with the next ids
 * after `after_id` and deletes those of them no event kept can use; it answers how many it deleted
 * and the last id it looked at (null once there is none), from which the caller goes on, each call
 * its own transaction. It replaces the one-argument function.
 */
export class AuditPruneStringsInChunks1765200000000 implements MigrationInterface {
  name = 'AuditPruneStringsInChunks1765200000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION audit_prune_strings(keep_from date, after_id integer, batch integer,
                                          OUT pruned bigint, OUT last_id integer)
      LANGUAGE plpgsql AS $$
      BEGIN
        pruned := 0;
        SELECT max(id) INTO last_id
        FROM (SELECT id FROM audit_strings WHERE id > after_id ORDER BY id LIMIT batch) scanned;
        IF last_id IS NULL THEN
          RETURN;
        END IF;
        PERFORM set_config('fedbroker.audit_prune', 'on', true);
        -- Never waits for a write: a string a write holds is passed by, until the next run.
        DELETE FROM audit_strings WHERE id IN (
          SELECT s.id FROM audit_strings s
          WHERE s.id > after_id AND s.id <= last_id AND s.last_day < keep_from - 1
            AND s.id NOT IN (
              SELECT x.id FROM audit_records_default r,
                LATERAL unnest(ARRAY[r.platform, r.subject, r.policy, r.context, r.chain]) x(id)
              WHERE x.id > after_id AND x.id <= last_id)
          FOR UPDATE SKIP LOCKED);
        GET DIAGNOSTICS pruned = ROW_COUNT;
        PERFORM set_config('fedbroker.audit_prune', 'off', true);
      END
      $$`);
    await q.query(`DROP FUNCTION audit_prune_strings(date)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION audit_prune_strings(date, integer, integer)`);
    await q.query(PRUNE_STRINGS_IN_ONE_STATEMENT);
  }
}
