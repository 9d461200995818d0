import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `audit_second` as the audit partitions made it: `date_part` of a `timestamptz` is only stable. */
const STABLE_BODY = `SELECT floor(date_part('epoch', t) - 1577836800)::integer`;

/** The same seconds since 2020 from immutable functions only: an interval's epoch is. */
const IMMUTABLE_BODY = `SELECT floor(date_part('epoch', t - '2020-01-01 00:00:00+00'::timestamptz))::integer`;

/**
 * `audit_second(time)`, in three indexes of the audit table, is inlined by PostgreSQL. Its body
 * called a stable function, so PostgreSQL refused to inline it — after parsing it — and ran it as
 * a function, parsing and planning it again: in every audit INSERT, for each of those indexes of
 * the partition written: about a sixth of PostgreSQL's CPU for a batch of one event.
 * The new body gives the same integer for every time (the difference of two instants has no time
 * zone), so the indexes stay valid as they are.
 *
 * A connection open elsewhere (another replica's) keeps those indexes' expressions as it read them,
 * and would no longer match them to the inlined expression of a listing's query: every index that
 * uses the function is touched, so that each connection reads it again.
 */
export class AuditSecondInlined1765300000000 implements MigrationInterface {
  name = 'AuditSecondInlined1765300000000';

  public async up(q: QueryRunner): Promise<void> {
    await replaceBody(q, IMMUTABLE_BODY);
  }

  public async down(q: QueryRunner): Promise<void> {
    await replaceBody(q, STABLE_BODY);
  }
}

async function replaceBody(q: QueryRunner, body: string): Promise<void> {
  await q.query(`
    CREATE OR REPLACE FUNCTION audit_second(t timestamptz) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ ${body} $$`);
  // Setting a storage parameter to the value it has (or setting and resetting one not set) changes
  // nothing but has every session read the index again. Only an index of a partition has parameters.
  await q.query(`
    DO $$
    DECLARE
      ix regclass;
      fill text;
    BEGIN
      FOR ix, fill IN
        SELECT c.oid::regclass,
               (SELECT option_value FROM pg_options_to_table(c.reloptions) WHERE option_name = 'fillfactor')
        FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_proc'::regclass
          AND d.refobjid = 'audit_second(timestamptz)'::regprocedure AND c.relkind = 'i'
      LOOP
        IF fill IS NULL THEN
          EXECUTE format('ALTER INDEX %s SET (fillfactor = 90)', ix);
          EXECUTE format('ALTER INDEX %s RESET (fillfactor)', ix);
        ELSE
          EXECUTE format('ALTER INDEX %s SET (fillfactor = %s)', ix, fill);
        END IF;
      END LOOP;
    END
    $$`);
}
