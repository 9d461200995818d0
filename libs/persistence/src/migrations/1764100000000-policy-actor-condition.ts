import type { MigrationInterface, QueryRunner } from 'typeorm';

/** RFC 8693 delegation is allowed per policy: a policy without `actor_condition` allows no actor. */
export class PolicyActorCondition1764100000000 implements MigrationInterface {
  name = 'PolicyActorCondition1764100000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE policies ADD COLUMN actor_condition text`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE policies DROP COLUMN actor_condition`);
  }
}
