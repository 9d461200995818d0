import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staged rollout and tests of trust policies: `mode` (`enforce` grants, `audit` is only evaluated
 * and recorded), `expires_at` (after it the policy no longer matches) and `tests` (the cases run at
 * every save).
 */
export class PolicyRollout1764600000000 implements MigrationInterface {
  name = 'PolicyRollout1764600000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE policies
        ADD COLUMN mode text NOT NULL DEFAULT 'enforce',
        ADD COLUMN expires_at timestamptz,
        ADD COLUMN tests jsonb NOT NULL DEFAULT '[]',
        ADD CONSTRAINT ck_policies_mode CHECK (mode IN ('enforce', 'audit'))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE policies
        DROP CONSTRAINT ck_policies_mode,
        DROP COLUMN tests,
        DROP COLUMN expires_at,
        DROP COLUMN mode`);
  }
}
