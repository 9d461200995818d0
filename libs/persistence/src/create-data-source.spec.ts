import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { PolicyRollout1764600000000 } from './migrations/1764600000000-policy-rollout';
import { createDataSource, MIGRATIONS, openDatabase } from './create-data-source';
import { pgPoolOf } from './pg-pool';

const realPostgres = Boolean(process.env.TEST_DATABASE_URL);

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
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_name !~ '^audit_records_' ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'admin_changes',
      'admin_credentials',
      'audit_chain_anchors',
      'audit_events',
      'audit_records',
      'audit_strings',
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

  it.runIf(realPostgres)('survives the session of a checked-out pool client being killed', async () => {
    const client = await pgPoolOf(dataSource).connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const ended = new Promise<void>((resolve) => client.once('end', resolve));
    const killer = new Client({ connectionString: db.url });
    await killer.connect();
    await killer.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await killer.end();
    await ended;
    client.release();
    expect(await dataSource.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it.runIf(realPostgres)(
    'migrates once when several processes start together on an empty database',
    async () => {
      for (let round = 0; round < 3; round += 1) {
        const empty = await createTestDatabase();
        try {
          const started = await Promise.allSettled(
            Array.from({ length: 3 }, () => openDatabase({ url: empty.url, poolSize: 2 })),
          );
          const opened = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
          await Promise.all(opened.map((d) => d.destroy()));
          expect(started.filter((s) => s.status === 'rejected')).toEqual([]);
        } finally {
          await empty.drop();
        }
      }
      const again = await openDatabase({ url: db.url, poolSize: 1 });
      expect(await again.query('SELECT count(*)::int AS n FROM migrations')).toEqual([
        { n: MIGRATIONS.length },
      ]);
      await again.destroy();
    },
  );

  it('gives policies stored before staged rollout enforce mode, no expiry and no tests', async () => {
    const rollout = new PolicyRollout1764600000000();
    const runner = dataSource.createQueryRunner();
    try {
      await rollout.down(runner);
      const [platform] = (await runner.query(
        `INSERT INTO platforms (name, kind, issuer, audiences, clock_skew_seconds, version)
         VALUES ('before-rollout', 'kubernetes', 'https://before.example', '[]', 60, 1) RETURNING id`,
      )) as { id: string }[];
      await runner.query(
        `INSERT INTO policies (name, platform_id, condition, audiences, scopes, ttl_seconds, version)
         VALUES ('older', $1, 'true', '["a"]', '[]', 900, 1)`,
        [platform?.id],
      );
      await rollout.up(runner);
    } finally {
      await runner.release();
    }
    const rows = await dataSource.query<unknown[]>(
      `SELECT mode, expires_at, tests FROM policies WHERE name = 'older'`,
    );
    expect(rows).toEqual([{ mode: 'enforce', expires_at: null, tests: [] }]);
    await expect(
      dataSource.query(`UPDATE policies SET mode = 'shadow' WHERE name = 'older'`),
    ).rejects.toThrow(/ck_policies_mode/);
  });
});

describe('createDataSource', () => {
  // Embedded PostgreSQL serves one session: it takes no connections side by side.
  it.runIf(realPostgres)(
    'keeps two connections open however long they idle, and lets the others go',
    async () => {
      const db = await createTestDatabase();
      const dataSource = await createDataSource({ url: db.url, poolSize: 4 }).initialize();
      try {
        const pool = pgPoolOf(dataSource);
        await Promise.all([1, 2, 3].map(() => dataSource.query('SELECT pg_sleep(0.05)')));
        expect(pool.totalCount).toBe(3);
        const idleTimeoutMs = (pool as unknown as { options: { idleTimeoutMillis: number } }).options
          .idleTimeoutMillis;
        await new Promise((resolve) => setTimeout(resolve, idleTimeoutMs + 500));
        expect(pool.totalCount).toBe(2);
        await dataSource.query('SELECT 1');
        expect(pool.totalCount).toBe(2);
      } finally {
        await dataSource.destroy();
        await db.drop();
      }
    },
    20_000,
  );
});
