import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `audit_strings` row `s` holds the text `w.v`. */
const HOLDS = `hashtextextended(s.value, 0) = hashtextextended(w.v, 0) AND s.value = w.v`;

/** Each of `wanted`'s texts' id, in order, null where the dictionary has none (or the text is null). */
const LOOKUP = `
  SELECT (SELECT s.id FROM audit_strings s WHERE ${HOLDS} ORDER BY s.id LIMIT 1)
  FROM unnest(wanted) WITH ORDINALITY w(v, n) ORDER BY w.n`;

/** Adds what the dictionary lacks, as the first version did. */
const ADD_MISSING = `
  -- New strings one at a time under a lock on their hash, in one order: a string gets one id
  -- however many writers meet it at once, and no two of them deadlock.
  FOR missing IN
    SELECT DISTINCT w.v FROM unnest(wanted) w(v)
    WHERE w.v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_strings s WHERE ${HOLDS})
    ORDER BY 1
  LOOP
    PERFORM pg_advisory_xact_lock(1635083369, hashtext(missing));
    INSERT INTO audit_strings (value) SELECT missing WHERE NOT EXISTS (
      SELECT 1 FROM audit_strings s
      WHERE hashtextextended(s.value, 0) = hashtextextended(missing, 0) AND s.value = missing);
  END LOOP;`;

/**
 * `audit_string_ids` looks every text up once before anything else: an audit INSERT almost always
 * meets texts the dictionary holds already (the same platforms, subjects, policies and contexts
 * time after time), and then answers from that one pass. The first version looked each text up
 * twice, once to find the missing ones and once for the answer, which was most of the cost of a
 * one-row INSERT. Texts it lacks are added exactly as before.
 */
export class AuditStringsLookupFirst1765000000000 implements MigrationInterface {
  name = 'AuditStringsLookupFirst1765000000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_string_ids(wanted text[]) RETURNS integer[] LANGUAGE plpgsql AS $$
      DECLARE
        found integer[];
        missing text;
      BEGIN
        found := ARRAY(${LOOKUP});
        IF cardinality(array_remove(found, NULL)) = cardinality(array_remove(wanted, NULL)) THEN
          RETURN found;
        END IF;
        ${ADD_MISSING}
        RETURN ARRAY(${LOOKUP});
      END
      $$`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION audit_string_ids(wanted text[]) RETURNS integer[] LANGUAGE plpgsql AS $$
      DECLARE
        missing text;
      BEGIN
        ${ADD_MISSING}
        RETURN ARRAY(${LOOKUP});
      END
      $$`);
  }
}
