import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Platforms may share an issuer (self-managed clusters' default issuer, tenants of one cloud):
 * each kind says how a credential finds its platform, and the catalog refuses registrations it
 * could not tell apart. The issuer stays indexed for look-ups.
 */
export class PlatformRoutes1764200000000 implements MigrationInterface {
  name = 'PlatformRoutes1764200000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE platforms DROP CONSTRAINT uq_platforms_issuer`);
    await q.query(`CREATE INDEX ix_platforms_issuer ON platforms (issuer)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_platforms_issuer`);
    await q.query(`ALTER TABLE platforms ADD CONSTRAINT uq_platforms_issuer UNIQUE (issuer)`);
  }
}
