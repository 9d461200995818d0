import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { createDataSource, openDatabase } from './create-data-source';

describe('openDatabase', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await openDatabase({ url: db.url, poolSize: 1 });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('creates every table through the migrations', async () => {
    const rows: { table_name: string }[] = await dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'admin_changes',
      'admin_credentials',
      'audit_events',
      'catalog_state',
      'migrations',
      'platforms',
      'policies',
      'replay_guard',
      'signing_keys',
    ]);
  });

  it('is idempotent: a second start applies nothing', async () => {
    const again = createDataSource({ url: db.url, poolSize: 1 });
    await dataSource.destroy();
    await again.initialize();
    expect(await again.runMigrations()).toEqual([]);
    await again.destroy();
    await dataSource.initialize();
  });

  it('lets platforms share an issuer (the catalog tells them apart by route), never a name', async () => {
    const insert = `INSERT INTO platforms (name, kind, issuer, audiences, clock_skew_seconds, version)
      VALUES ($1, 'kubernetes', 'https://issuer.example', '[]', 60, 1)`;
    await dataSource.query(insert, ['a']);
    await expect(dataSource.query(insert, ['b'])).resolves.toEqual([]);
    await expect(dataSource.query(insert, ['a'])).rejects.toThrow(/duplicate key/);
  });

  it('gives policies stored before staged rollout enforce mode, no expiry and no tests', async () => {
    await dataSource.undoLastMigration({ transaction: 'all' });
    const [platform] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO platforms (name, kind, issuer, audiences, clock_skew_seconds, version)
       VALUES ('before-rollout', 'kubernetes', 'https://before.example', '[]', 60, 1) RETURNING id`,
    );
    await dataSource.query(
      `INSERT INTO policies (name, platform_id, condition, audiences, scopes, ttl_seconds, version)
       VALUES ('older', $1, 'true', '["a"]', '[]', 900, 1)`,
      [platform?.id],
    );
    await dataSource.runMigrations({ transaction: 'all' });
    const rows = await dataSource.query<unknown[]>(
      `SELECT mode, expires_at, tests FROM policies WHERE name = 'older'`,
    );
    expect(rows).toEqual([{ mode: 'enforce', expires_at: null, tests: [] }]);
    await expect(
      dataSource.query(`UPDATE policies SET mode = 'shadow' WHERE name = 'older'`),
    ).rejects.toThrow(/ck_policies_mode/);
  });
});
