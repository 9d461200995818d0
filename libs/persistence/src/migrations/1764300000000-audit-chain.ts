import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tamper-evident audit: each row joins a hash chain (`chain_id`, `chain_seq`, `prev_hash`,
 * `row_hash`, written by the audit writer), and the table becomes append-only. A trigger refuses
 * UPDATE, DELETE and TRUNCATE whoever runs them; the role that migrates (the table's owner) also
 * gives up those privileges, so a later migration that must change rows grants them back first.
 * Dropping or detaching whole partitions (retention) stays possible: it fires neither trigger.
 * Rows written before this migration, or by an older version during a rolling upgrade, are outside
 * any chain (the four columns are all set or all null).
 */
export class AuditChain1764300000000 implements MigrationInterface {
  name = 'AuditChain1764300000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_events
        ADD COLUMN chain_id uuid,
        ADD COLUMN chain_seq bigint,
        ADD COLUMN prev_hash bytea,
        ADD COLUMN row_hash bytea,
        ADD CONSTRAINT ck_audit_events_chain_all_or_none CHECK (
          num_nulls(chain_id, chain_seq, prev_hash, row_hash) IN (0, 4))`);
    await q.query(`CREATE INDEX ix_audit_events_chain ON audit_events (chain_id, chain_seq)`);
    await q.query(`CREATE INDEX ix_audit_events_unchained ON audit_events (time) WHERE chain_id IS NULL`);
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER tg_audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE TRIGGER tg_audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC, CURRENT_USER`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`GRANT UPDATE, DELETE, TRUNCATE ON audit_events TO CURRENT_USER`);
    await q.query(`DROP TRIGGER tg_audit_events_no_truncate ON audit_events`);
    await q.query(`DROP TRIGGER tg_audit_events_append_only ON audit_events`);
    await q.query(`DROP FUNCTION audit_events_append_only()`);
    await q.query(`DROP INDEX ix_audit_events_unchained`);
    await q.query(`DROP INDEX ix_audit_events_chain`);
    await q.query(`
      ALTER TABLE audit_events
        DROP CONSTRAINT ck_audit_events_chain_all_or_none,
        DROP COLUMN chain_id, DROP COLUMN chain_seq, DROP COLUMN prev_hash, DROP COLUMN row_hash`);
  }
}
