import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AuditStringsLookupFirst1765000000000 } from './1765000000000-audit-strings-lookup-first';

/** `audit_strings` row `s` holds the text `w.v`. */
const HOLDS = `hashtextextended(s.value, 0) = hashtextextended(w.v, 0) AND s.value = w.v`;

/**
 * Each of `wanted`'s texts' id, in order, null where the dictionary has none; with `used_on`, negated
 * where the text was last used before that day (ids are positive), so that one pass tells both.
 */
const lookup = (usedOn?: string) => `
  SELECT (SELECT ${usedOn ? `CASE WHEN s.last_day < ${usedOn} THEN -s.id ELSE s.id END` : 's.id'}
          FROM audit_strings s WHERE ${HOLDS} ORDER BY s.id LIMIT 1)
  FROM unnest(wanted) WITH ORDINALITY w(v, n) ORDER BY w.n`;

/**
 * Adds the texts of `wanted` the dictionary lacks, last used on `used_on`: one at a time under a lock
 * on their hash, in one order, so that a text gets one id however many writers meet it at once, and
 * no two of them deadlock.
 */
const ADD_MISSING = `
  FOR missing IN
    SELECT DISTINCT w.v FROM unnest(wanted) w(v)
    WHERE w.v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_strings s WHERE ${HOLDS})
    ORDER BY 1
  LOOP
    PERFORM pg_advisory_xact_lock(1635083369, hashtext(missing));
    INSERT INTO audit_strings (value, last_day) SELECT missing, used_on WHERE NOT EXISTS (
      SELECT 1 FROM audit_strings s
      WHERE hashtextextended(s.value, 0) = hashtextextended(missing, 0) AND s.value = missing);
  END LOOP;`;

/** Deletes, in one statement, the strings no event kept from `keep_from` on can use. */
export const PRUNE_STRINGS_IN_ONE_STATEMENT = `
      CREATE FUNCTION audit_prune_strings(keep_from date) RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE
        pruned bigint;
      BEGIN
        PERFORM set_config('fedbroker.audit_prune', 'on', true);
        -- Never waits for a write: a string a write holds is passed by, until the next run.
        DELETE FROM audit_strings WHERE id IN (
          SELECT s.id FROM audit_strings s
          WHERE s.last_day < keep_from - 1
            AND s.id NOT IN (
              SELECT x.id FROM audit_records_default r,
                LATERAL unnest(ARRAY[r.platform, r.subject, r.policy, r.context, r.chain]) x(id)
              WHERE x.id IS NOT NULL)
          FOR UPDATE SKIP LOCKED);
        GET DIAGNOSTICS pruned = ROW_COUNT;
        PERFORM set_config('fedbroker.audit_prune', 'off', true);
        RETURN pruned;
      END
      $$`;

/**
 * The audit string dictionary follows the retention of the events. Each string carries `last_day`,
 * the latest day (UTC) of an event that uses it: a write moves it forward when its events are of a
 * later day (once per string and day, not per event). `audit_prune_strings` deletes the strings no
 * event kept can use any longer: those last used before the oldest day kept, with a day of margin,
 * unless an event of the DEFAULT partition (never dropped) uses them. Before this, a subject, a
 * client's address or a user agent outlived the events that carried it, for good.
 *
 * The dictionary stays append-only otherwise: its trigger lets an UPDATE move `last_day` forward and
 * nothing else, and a DELETE only inside `audit_prune_strings`.
 *
 * A write and a prune cannot lose a string in use: a write finds a string last used before its
 * events' day and moves `last_day` forward, holding that row until it commits, so the prune passes
 * it by (it never waits for a write: no deadlock); a string the prune deleted first is added again,
 * the write having waited for the prune's commit. A string found through the one-argument functions
 * (the `audit_events` view, ad-hoc SQL), whose day is unknown, is kept for good.
 */
export class AuditStringsRetention1765100000000 implements MigrationInterface {
  name = 'AuditStringsRetention1765100000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER tg_audit_strings_append_only ON audit_strings`);
    // Strings written before: last used today at the latest, unless an event of a later day uses them.
    await q.query(`ALTER TABLE audit_strings ADD COLUMN last_day date NOT NULL DEFAULT current_date`);
    await q.query(`GRANT UPDATE (last_day), DELETE ON audit_strings TO CURRENT_USER`);
    await q.query(`
      UPDATE audit_strings s SET last_day = later.day
      FROM (
        SELECT x.id, max((r.time AT TIME ZONE 'UTC')::date) AS day
        FROM audit_records r,
          LATERAL unnest(ARRAY[r.platform, r.subject, r.policy, r.context, r.chain]) x(id)
        WHERE r.time >= (current_date + 1)::timestamp AT TIME ZONE 'UTC' AND x.id IS NOT NULL
        GROUP BY x.id
      ) later
      WHERE s.id = later.id`);
    await q.query(`
      CREATE FUNCTION audit_strings_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.value = OLD.value AND NEW.last_day >= OLD.last_day THEN
          RETURN NEW;
        END IF;
        IF TG_OP = 'DELETE' AND current_setting('fedbroker.audit_prune', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER tg_audit_strings_append_only BEFORE UPDATE OR DELETE ON audit_strings
        FOR EACH ROW EXECUTE FUNCTION audit_strings_guard()`);

    await q.query(`
      CREATE FUNCTION audit_string_ids(wanted text[], used_on date) RETURNS integer[] LANGUAGE plpgsql AS $$
      DECLARE
        found integer[];
        missing text;
      BEGIN
        used_on := coalesce(used_on, 'infinity');
        found := ARRAY(${lookup('used_on')});
        IF cardinality(array_remove(found, NULL)) = cardinality(array_remove(wanted, NULL))
           AND 0 < ALL(array_remove(found, NULL)) THEN
          RETURN found;
        END IF;
        -- Holds each row it moves until this transaction ends, so that a prune passes it by; locked in
        -- id order, so that two writes never deadlock. A row a prune deleted first is not updated,
        -- and added again below.
        UPDATE audit_strings SET last_day = used_on WHERE id IN (
          SELECT id FROM audit_strings
          WHERE id IN (SELECT -f FROM unnest(found) f WHERE f < 0) AND last_day < used_on
          ORDER BY id FOR UPDATE);
        ${ADD_MISSING}
        RETURN ARRAY(${lookup()});
      END
      $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_string_ids(wanted text[]) RETURNS integer[] LANGUAGE sql AS $$
        SELECT audit_string_ids(wanted, 'infinity'::date)
      $$`);
    await q.query(PRUNE_STRINGS_IN_ONE_STATEMENT);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION audit_prune_strings(date)`);
    // the one-argument function as the previous migration made it, before the two-argument one goes
    await new AuditStringsLookupFirst1765000000000().up(q);
    await q.query(`DROP FUNCTION audit_string_ids(text[], date)`);
    await q.query(`REVOKE UPDATE (last_day), DELETE ON audit_strings FROM CURRENT_USER`);
    await q.query(`DROP TRIGGER tg_audit_strings_append_only ON audit_strings`);
    await q.query(`DROP FUNCTION audit_strings_guard()`);
    await q.query(`ALTER TABLE audit_strings DROP COLUMN last_day`);
    await q.query(`
      CREATE TRIGGER tg_audit_strings_append_only BEFORE UPDATE OR DELETE ON audit_strings
        FOR EACH ROW EXECUTE FUNCTION audit_append_only()`);
  }
}
