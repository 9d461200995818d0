import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../test/support/test-database';
import { AdminCredentialEntity, PolicyEntity } from './entities';
import { entityColumns } from './entity-columns';

describe('entityColumns', () => {
  const db = useMigratedDatabase();

  it('reads a row in plain SQL as TypeORM reads the entity', async () => {
    const [platform] = await db.dataSource.query<{ id: string }[]>(
      `INSERT INTO platforms (name, kind, issuer, audiences, clock_skew_seconds, settings, enabled, version)
       VALUES ('columns', 'kubernetes', 'https://columns.example', '[]', 30, '{}', true, 1) RETURNING id`,
    );
    const saved = await db.dataSource.getRepository(PolicyEntity).save({
      name: 'columns',
      platformId: platform!.id,
      condition: 'true',
      actorCondition: null,
      subject: null,
      claims: { team: "'a'" },
      audiences: ['https://api.example'],
      scopes: ['read'],
      ttlSeconds: 300,
      priority: 2,
      enabled: true,
      mode: 'audit',
      expiresAt: new Date('2031-01-01T00:00:00Z'),
      tests: [],
      oneTimeUse: null,
    });
    const [plain] = await db.dataSource.query<PolicyEntity[]>(
      `SELECT ${entityColumns(db.dataSource.manager, PolicyEntity)} FROM policies WHERE id = $1`,
      [saved.id],
    );
    const viaTypeorm = await db.dataSource.getRepository(PolicyEntity).findOneByOrFail({ id: saved.id });
    expect(plain).toEqual({ ...viaTypeorm });
  });

  it('leaves out the columns TypeORM does not select by default', () => {
    const columns = entityColumns(db.dataSource.manager, AdminCredentialEntity);
    expect(columns).toContain('"name" AS "name"');
    expect(columns).not.toContain('token_sha256');
  });
});
