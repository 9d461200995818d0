import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One-time use of credentials: `replay_guard` holds each used credential's replay key (its issuer
 * and `jti`, else its digest) until the credential expires; platforms turn it on
 * (`one_time_use`), and a policy may override its platform (`one_time_use`, null: as the platform).
 */
export class ReplayGuard1764800000000 implements MigrationInterface {
  name = 'ReplayGuard1764800000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE replay_guard`);
    await q.query(`
      CREATE TABLE replay_guard (
        replay_key text NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT pk_replay_guard PRIMARY KEY (replay_key)
      )`);
    await q.query(`CREATE INDEX ix_replay_guard_expires_at ON replay_guard (expires_at)`);
    await q.query(`ALTER TABLE platforms ADD COLUMN one_time_use boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE policies ADD COLUMN one_time_use boolean`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE policies DROP COLUMN one_time_use`);
    await q.query(`ALTER TABLE platforms DROP COLUMN one_time_use`);
    await q.query(`DROP TABLE replay_guard`);
    await q.query(`
      CREATE TABLE replay_guard (
        issuer text NOT NULL,
        jti text NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT pk_replay_guard PRIMARY KEY (issuer, jti)
      )`);
    await q.query(`CREATE INDEX ix_replay_guard_expires_at ON replay_guard (expires_at)`);
  }
}
