import { Client } from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { openDatabase } from '@fedbroker/persistence';
import { AdapterRegistry, defaultAdapters, issuerRoute } from '@fedbroker/platforms';
import { useMigratedDatabase } from '../../../test/support/test-database';
import { Catalog } from './catalog';

const insertPlatform = (name: string) =>
  `INSERT INTO platforms (name, kind, issuer, audiences, clock_skew_seconds, version)
   VALUES ('${name}', 'kubernetes', 'https://${name}.example', '["https://broker.example/token"]', 60, 1)`;

const adapters = new AdapterRegistry(defaultAdapters());
const realPostgres = Boolean(process.env.TEST_DATABASE_URL);

describe('Catalog', () => {
  const db = useMigratedDatabase();

  it('serves what was committed before a reload called during another load', async () => {
    const catalog = new Catalog(db.dataSource, { adapters });
    const running = catalog.reload();
    await db.dataSource.transaction(async (manager) => {
      await manager.query(insertPlatform('late'));
      await Catalog.bumpVersion(manager);
    });
    const queued = catalog.reload();
    await Promise.all([running, queued]);
    expect(catalog.snapshot().platformByRoute([issuerRoute('https://late.example')])?.name).toBe('late');
  });

  it('shares one queued load among every caller that arrives during a load', async () => {
    const catalog = new Catalog(db.dataSource, { adapters });
    const running = catalog.reload();
    const [a, b] = [catalog.reload(), catalog.reload()];
    expect(a).toBe(b);
    await Promise.all([running, a]);
  });

  it('rejects its callers, and leaves nothing unhandled, when the database is gone', async () => {
    const other = await openDatabase({ url: db.database.url, poolSize: 1 });
    const catalog = new Catalog(other, { adapters });
    await catalog.reload();
    await other.destroy();
    const results = await Promise.allSettled([catalog.reload(), catalog.reload(), catalog.reload()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(catalog.snapshot().version).toBeGreaterThanOrEqual(0);
  });

  it('routes by the first route key a platform answers to, and skips a platform of a kind it does not serve', async () => {
    await db.dataSource.query(insertPlatform('routed'));
    await db.dataSource.query(
      `INSERT INTO platforms (name, kind, issuer, audiences, clock_skew_seconds, version)
       VALUES ('unserved', 'no-such-kind', 'https://unserved.example', '["b"]', 60, 1)`,
    );
    const catalog = new Catalog(db.dataSource, { adapters });
    await catalog.reload();
    const snapshot = catalog.snapshot();
    expect(snapshot.platformByRoute(['nothing', issuerRoute('https://routed.example')])?.name).toBe('routed');
    expect(snapshot.platformByRoute([issuerRoute('https://unserved.example')])).toBeUndefined();
    expect(snapshot.platformByName('unserved')).toBeUndefined();
  });

  it.runIf(realPostgres)('follows changes again after its LISTEN session is killed', async () => {
    const catalog = new Catalog(db.dataSource, { adapters, pollSeconds: 3600 });
    await catalog.reload();
    await catalog.watch(db.database.url);
    const observer = new Client({ connectionString: db.database.url });
    await observer.connect();
    try {
      const killed = await observer.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN fedbroker_catalog%'`,
      );
      expect(killed.rowCount).toBe(1);
      const stored = async () => {
        const { rows } = await observer.query<{ version: string }>('SELECT version FROM catalog_state');
        return Number(rows[0]?.version);
      };
      await db.dataSource.transaction(async (manager) => Catalog.bumpVersion(manager));
      const missed = await stored();
      await vi.waitFor(() => expect(catalog.snapshot().version).toBe(missed), { timeout: 5_000 });
      await db.dataSource.transaction(async (manager) => Catalog.bumpVersion(manager));
      const notified = await stored();
      await vi.waitFor(() => expect(catalog.snapshot().version).toBe(notified), { timeout: 1_000 });
    } finally {
      await observer.end();
      await catalog.close();
    }
  });
});
