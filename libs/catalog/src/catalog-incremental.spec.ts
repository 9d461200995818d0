import { Client } from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChangeLog } from '@fedbroker/history';
import { openDatabase } from '@fedbroker/persistence';
import { AdapterRegistry, defaultAdapters } from '@fedbroker/platforms';
import type { DataSource } from 'typeorm';
import { useMigratedDatabase } from '../../../test/support/test-database';
import { Catalog, type CatalogReload } from './catalog';
import { PolicyAdmin } from './policy-admin';

const adapters = new AdapterRegistry(defaultAdapters());
const realPostgres = Boolean(process.env.TEST_DATABASE_URL);

interface Logged {
  fields: Record<string, unknown>;
  message: string;
}

describe('Catalog: incremental reloads', () => {
  const db = useMigratedDatabase();
  const closing: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
  });

  async function platform(name: string): Promise<string> {
    const [row] = await db.dataSource.query<{ id: string }[]>(
      `INSERT INTO platforms (name, kind, issuer, audiences, clock_skew_seconds, version)
       VALUES ($1, 'kubernetes', $2, '["https://broker.example/token"]', 60, 1) RETURNING id`,
      [name, `https://${name}.example`],
    );
    return row?.id ?? '';
  }

  /** Inserts `count` policies on the platform, each pinning its own namespace, as one remote write. */
  async function policies(platformId: string, prefix: string, count: number): Promise<void> {
    await db.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO policies (name, platform_id, condition, audiences, scopes, ttl_seconds, priority, version)
         SELECT $2 || i, $1, 'identity.namespace == ''' || $2 || i || '''', '["a"]', '[]', 900, i % 7, 1
         FROM generate_series(1, $3) AS i`,
        [platformId, prefix, count],
      );
      await Catalog.bumpVersion(manager);
    });
  }

  async function change(sql: string, parameters: unknown[] = []): Promise<void> {
    await db.dataSource.transaction(async (manager) => {
      await manager.query(sql, parameters);
      await Catalog.bumpVersion(manager);
    });
  }

  function catalogOn(dataSource: DataSource, logged: Logged[] = [], reloads: CatalogReload[] = []) {
    const catalog = new Catalog(dataSource, {
      adapters,
      pollSeconds: 3600,
      logger: { info: (fields, message) => logged.push({ fields, message }), warn: () => undefined },
      onReload: (reload) => reloads.push(reload),
    });
    closing.push(() => catalog.close());
    return catalog;
  }

  /** Every served platform's policies, by name, in rank order: what `/token` decides from. */
  function served(catalog: Catalog): Record<string, string[]> {
    const snapshot = catalog.snapshot();
    return Object.fromEntries(
      snapshot
        .platforms()
        .map((p) => [p.name, snapshot.policiesFor(p.id).map((policy) => policy.definition.name)] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  }

  it("keeps an unchanged platform's policy set, and rebuilds only the changed platform's", async () => {
    const quiet = await platform('quiet');
    const busy = await platform('busy');
    await policies(quiet, 'q', 20);
    await policies(busy, 'b', 20);
    const catalog = catalogOn(db.dataSource);
    await catalog.reload();
    const quietSet = catalog.snapshot().policySetFor(quiet);
    const busySet = catalog.snapshot().policySetFor(busy);

    await change(`UPDATE policies SET priority = 99, version = version + 1 WHERE name = 'b3'`);
    await catalog.reload();

    const after = catalog.snapshot();
    expect(after.policySetFor(quiet)).toBe(quietSet);
    expect(after.policySetFor(busy)).not.toBe(busySet);
    expect(after.policySetFor(busy).ranked[0]?.definition.name).toBe('b3');
  });

  it('sees deletions, moved policies and platform changes, and serves what a full load serves', async () => {
    const east = await platform('east');
    const west = await platform('west');
    await policies(east, 'e', 10);
    await policies(west, 'w', 10);
    const catalog = catalogOn(db.dataSource);
    await catalog.reload();

    await change(`DELETE FROM policies WHERE name IN ('e1', 'w2')`);
    await change(`UPDATE policies SET platform_id = $1, version = version + 1 WHERE name = 'e5'`, [west]);
    await change(`UPDATE platforms SET audiences = '["x"]', version = version + 1 WHERE id = $1`, [east]);
    await catalog.reload();
    expect(catalog.snapshot().platformByName('east')?.audiences).toEqual(['x']);
    expect(served(catalog).east).not.toContain('e1');
    expect(served(catalog).west).toContain('e5');

    await change(`UPDATE platforms SET kind = 'no-such-kind', version = version + 1 WHERE id = $1`, [west]);
    await catalog.reload();
    expect(catalog.snapshot().platformByName('west')).toBeUndefined();
    expect(catalog.snapshot().policiesFor(west)).toEqual([]);

    await change(`UPDATE platforms SET kind = 'kubernetes', version = version + 1 WHERE id = $1`, [west]);
    await change(`DELETE FROM policies WHERE platform_id = $1`, [east]);
    await change(`DELETE FROM platforms WHERE id = $1`, [east]);
    await catalog.reload();

    const fresh = catalogOn(db.dataSource);
    await fresh.reload();
    expect(served(catalog)).toEqual(served(fresh));
    expect(Object.keys(served(catalog))).not.toContain('east');
    expect(served(catalog).west).toHaveLength(10);
  });

  it('after incremental writes, decides and warns as a catalog loaded afresh does', async () => {
    const id = await platform('takeovers');
    await policies(id, 't', 30);
    const catalog = catalogOn(db.dataSource);
    await catalog.reload();
    catalog.snapshot().policySetFor(id);
    const adminOf = (on: Catalog) =>
      new PolicyAdmin(db.dataSource, on, {
        adapters,
        changes: new ChangeLog(),
        maxTtlSeconds: 3600,
        now: () => new Date(),
      });
    const admin = adminOf(catalog);
    const body = (name: string, condition: string, priority: number) => ({
      name,
      platform: 'takeovers',
      condition,
      audiences: ['a'],
      priority,
    });
    const probes = [
      body('probe', 'true', 9),
      body('probe', "identity.namespace in ['t3', 't4', 'broad']", 9),
      body('t5', "identity.namespace in ['t5', 't6']", 6),
      body('probe', "identity.namespace == 't20'", 0),
    ];
    const identities = ['t1', 't3', 't4', 't5', 't6', 't13', 't20', 'broad', 'none'];
    const input = (namespace: string) => ({
      claims: {},
      identity: { namespace },
      request: { audience: ['a'], scopes: [], grantType: 'token-exchange' },
    });
    const now = new Date();
    const observed = async (on: Catalog) => ({
      warnings: await Promise.all(probes.map((probe) => adminOf(on).validate(probe))),
      decisions: identities.map(
        (namespace) => on.snapshot().policySetFor(id).decide(input(namespace), now).winner?.definition.name,
      ),
    });
    const writes = [
      () => admin.create(body('broad', "identity.namespace in ['t3', 't4', 'broad']", 8), 'tester'),
      () =>
        admin.patch(
          't5',
          { priority: 6, condition: "identity.namespace in ['t5', 't6']" },
          undefined,
          'tester',
        ),
      () => admin.delete('t4', undefined, 'tester'),
      () => admin.patch('broad', { enabled: false }, undefined, 'tester'),
      () => admin.create(body('late', "identity.namespace == 't20'", 1), 'tester'),
    ];
    for (const write of writes) {
      await write();
      const fresh = catalogOn(db.dataSource);
      await fresh.reload();
      expect(await observed(catalog)).toEqual(await observed(fresh));
    }
    const { warnings } = await observed(catalog);
    const takenByProbe = warnings[1]?.warnings.filter((w) => w.code === 'takes_over').map((w) => w.policy);
    expect(takenByProbe).toEqual(['t3']);
  });

  it('logs each reload with its kind, what changed and how long it took', async () => {
    const id = await platform('logged');
    const logged: Logged[] = [];
    const catalog = catalogOn(db.dataSource, logged);
    await catalog.reload();
    await policies(id, 'l', 3);
    await catalog.reload();
    const reloads = logged.filter((entry) => entry.message === 'catalog reloaded');
    expect(reloads.map((entry) => entry.fields.kind)).toEqual(['full', 'incremental']);
    expect(reloads[1]?.fields).toMatchObject({
      platformsChanged: 0,
      platformsRebuilt: 1,
      policiesChanged: 3,
      policiesCompiled: 3,
    });
    expect(reloads[1]?.fields.durationMs).toEqual(expect.any(Number));
  });

  it('reads only the rows written since the previous load, and lists every row after a deletion', async () => {
    const id = await platform('fed');
    await policies(id, 'f', 50);
    const logged: Logged[] = [];
    const catalog = catalogOn(db.dataSource, logged);
    await catalog.reload();
    const set = catalog.snapshot().policySetFor(id);

    await change(`UPDATE policies SET priority = 99, version = version + 1 WHERE name = 'f7'`);
    await catalog.reload();
    await change(`DELETE FROM policies WHERE name = 'f8'`);
    await catalog.reload();

    const reloads = logged.filter((entry) => entry.message === 'catalog reloaded').map((e) => e.fields);
    expect(reloads.map(({ kind, listed }) => ({ kind, listed }))).toEqual([
      { kind: 'full', listed: true },
      { kind: 'incremental', listed: false },
      { kind: 'incremental', listed: true },
    ]);
    expect(reloads[1]).toMatchObject({ policiesChanged: 1, policiesCompiled: 1 });
    expect(catalog.snapshot().policySetFor(id)).not.toBe(set);
    expect(catalog.snapshot().policySetFor(id).ranked[0]?.definition.name).toBe('f7');
    const fresh = catalogOn(db.dataSource);
    await fresh.reload();
    expect(served(catalog)).toEqual(served(fresh));
  });

  it('rebuilds the index of a platform a large write changed, and serves and decides as a full load', async () => {
    const id = await platform('bulk');
    await policies(id, 'bulk', 20);
    const catalog = catalogOn(db.dataSource);
    await catalog.reload();
    catalog.snapshot().policySetFor(id);

    await policies(id, 'many', 300);
    await change(`UPDATE policies SET priority = 50, version = version + 1 WHERE name = 'bulk2'`);
    await catalog.reload();

    const fresh = catalogOn(db.dataSource);
    await fresh.reload();
    expect(served(catalog)).toEqual(served(fresh));
    expect(catalog.snapshot().builtPolicySet(id)?.ranked).toEqual(fresh.snapshot().policiesFor(id));
    const input = (namespace: string) => ({
      claims: {},
      identity: { namespace },
      request: { audience: ['a'], scopes: [], grantType: 'token-exchange' },
    });
    for (const namespace of ['bulk2', 'many7', 'many300', 'none']) {
      const decide = (on: Catalog) => on.snapshot().policySetFor(id).decide(input(namespace), new Date());
      expect(decide(catalog)).toEqual(decide(fresh));
    }
  });

  it.runIf(realPostgres)(
    'sees a write whose transaction began before the previous load and committed after it',
    async () => {
      const id = await platform('late');
      await policies(id, 'held', 1);
      const catalog = catalogOn(db.dataSource);
      await catalog.reload();
      const pending = new Client({ connectionString: db.database.url });
      await pending.connect();
      closing.push(() => pending.end());
      await pending.query('BEGIN');
      await pending.query(`UPDATE policies SET priority = 0, version = version + 1 WHERE name = 'held1'`);

      await policies(id, 'quick', 1);
      await catalog.reload();
      expect(served(catalog).late).toEqual(['held1', 'quick1']);

      await pending.query(`UPDATE catalog_state SET version = version + 1 WHERE id = 1`);
      await pending.query('COMMIT');
      await catalog.reload();
      expect(served(catalog).late).toEqual(['quick1', 'held1']);
    },
  );

  it('lets timers run while it compiles a large load', async () => {
    const id = await platform('large');
    await policies(id, 'n', 2000);
    const catalog = catalogOn(db.dataSource);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    try {
      await catalog.reload();
    } finally {
      clearInterval(ticker);
    }
    expect(catalog.snapshot().policiesFor(id)).toHaveLength(2000);
    expect(ticks).toBeGreaterThan(2);
  });

  it.runIf(realPostgres)("reloads once for its own write, and follows another replica's", async () => {
    const id = await platform('shared');
    const otherSource = await openDatabase({ url: db.database.url, poolSize: 2 });
    closing.push(() => otherSource.destroy());
    const writerReloads: CatalogReload[] = [];
    const writer = catalogOn(db.dataSource, [], writerReloads);
    const replicaReloads: CatalogReload[] = [];
    const replica = catalogOn(otherSource, [], replicaReloads);
    await Promise.all([writer.reload(), replica.reload()]);
    await Promise.all([writer.watch(db.database.url), replica.watch(db.database.url)]);
    const admin = new PolicyAdmin(db.dataSource, writer, {
      adapters,
      changes: new ChangeLog(),
      maxTtlSeconds: 3600,
      now: () => new Date(),
    });

    await admin.create(
      { name: 'own', platform: 'shared', condition: "identity.namespace == 'own'", audiences: ['a'] },
      'tester',
    );
    expect(
      writer
        .snapshot()
        .policiesFor(id)
        .map((p) => p.definition.name),
    ).toEqual(['own']);
    await vi.waitFor(() =>
      expect(
        replica
          .snapshot()
          .policiesFor(id)
          .map((p) => p.definition.name),
      ).toEqual(['own']),
    );

    // NOTIFYs arrive in commit order: once the writer has followed this later change of another
    // replica, it has also received (and ignored) the NOTIFY of its own write.
    await policies(id, 'remote', 1);
    await vi.waitFor(() => expect(writer.snapshot().policiesFor(id)).toHaveLength(2));
    expect(writerReloads.map((r) => r.kind)).toEqual(['full', 'incremental', 'incremental']);
    await vi.waitFor(() => expect(replica.snapshot().policiesFor(id)).toHaveLength(2));
    expect(replicaReloads.map((r) => r.kind)).toEqual(['full', 'incremental', 'incremental']);
  });
});
