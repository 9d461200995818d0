import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The history of admin writes (`admin_changes`), append-only like the audit trail: a trigger refuses
 * UPDATE, DELETE and TRUNCATE. Admin credentials get their closed set of roles.
 */
export class AdminChanges1764400000000 implements MigrationInterface {
  name = 'AdminChanges1764400000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE admin_changes (
        id uuid PRIMARY KEY,
        time timestamptz NOT NULL,
        actor text NOT NULL,
        action text NOT NULL,
        resource text NOT NULL,
        name text NOT NULL,
        version integer,
        before jsonb,
        after jsonb,
        CONSTRAINT ck_admin_changes_action CHECK (action IN ('create', 'update', 'delete')),
        CONSTRAINT ck_admin_changes_resource
          CHECK (resource IN ('platform', 'policy', 'credential', 'signing-key'))
      )`);
    await q.query(`CREATE INDEX ix_admin_changes_time ON admin_changes (time DESC, id DESC)`);
    await q.query(
      `CREATE INDEX ix_admin_changes_resource_name_time ON admin_changes (resource, name, time DESC)`,
    );
    await q.query(`CREATE INDEX ix_admin_changes_actor_time ON admin_changes (actor, time DESC)`);
    await q.query(`
      CREATE FUNCTION admin_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'admin_changes is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER tg_admin_changes_append_only BEFORE UPDATE OR DELETE ON admin_changes
        FOR EACH ROW EXECUTE FUNCTION admin_changes_append_only()`);
    await q.query(`
      CREATE TRIGGER tg_admin_changes_no_truncate BEFORE TRUNCATE ON admin_changes
        FOR EACH STATEMENT EXECUTE FUNCTION admin_changes_append_only()`);
    await q.query(`
      ALTER TABLE admin_credentials
        ADD CONSTRAINT ck_admin_credentials_role CHECK (role IN ('admin', 'auditor'))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE admin_credentials DROP CONSTRAINT ck_admin_credentials_role`);
    await q.query(`DROP TABLE admin_changes`);
    await q.query(`DROP FUNCTION admin_changes_append_only()`);
  }
}
