import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit events say more: `issued_subject` is the `sub` of the token issued (`subject` stays the
 * credential's), and a refusal at verification keeps what could be read from the credential,
 * unverified: its `iss`, `sub` and `jti`, each in its own column so that they can be filtered and
 * are never mistaken for the verified `issuer` and `subject`. Rows written before have them null,
 * which the hash chain encodes as before. `request_id` and `token_id` become filters.
 */
export class AuditCauses1764500000000 implements MigrationInterface {
  name = 'AuditCauses1764500000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_events
        ADD COLUMN issued_subject text,
        ADD COLUMN unverified_issuer text,
        ADD COLUMN unverified_subject text,
        ADD COLUMN unverified_token_id text`);
    await q.query(`CREATE INDEX ix_audit_events_request_id ON audit_events (request_id)`);
    await q.query(
      `CREATE INDEX ix_audit_events_token_id ON audit_events (token_id) WHERE token_id IS NOT NULL`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_audit_events_token_id`);
    await q.query(`DROP INDEX ix_audit_events_request_id`);
    await q.query(`
      ALTER TABLE audit_events
        DROP COLUMN issued_subject,
        DROP COLUMN unverified_issuer,
        DROP COLUMN unverified_subject,
        DROP COLUMN unverified_token_id`);
  }
}
