import { describe, expect, it } from 'vitest';
import { AdapterRegistry, defaultAdapters } from '@fedbroker/platforms';
import { compilePolicy } from '@fedbroker/policy';
import { useMigratedDatabase } from '../../../test/support/test-database';
import { Catalog } from './catalog';

const adapters = new AdapterRegistry(defaultAdapters());

describe('Catalog: each policy compiled once', () => {
  const db = useMigratedDatabase();

  async function seed(): Promise<{ platformId: string; policyId: string }> {
    const [platform] = await db.dataSource.query<{ id: string }[]>(
      `INSERT INTO platforms (name, kind, issuer, audiences, clock_skew_seconds, version)
       VALUES ('cluster', 'kubernetes', 'https://cluster.example', '["b"]', 60, 1) RETURNING id`,
    );
    const [policy] = await db.dataSource.query<{ id: string }[]>(
      `INSERT INTO policies (name, platform_id, condition, audiences, scopes, ttl_seconds, priority, version)
       VALUES ('p', $1, 'true', '["a"]', '[]', 900, 0, 1), ('q', $1, 'true', '["a"]', '[]', 900, 5, 1)
       RETURNING id`,
      [platform?.id],
    );
    return { platformId: platform?.id ?? '', policyId: policy?.id ?? '' };
  }

  it('reuses compiled policies across reloads until their version changes, and keeps them ranked', async () => {
    const { platformId } = await seed();
    const catalog = new Catalog(db.dataSource, { adapters });
    await catalog.reload();
    const [q, p] = catalog.snapshot().policiesFor(platformId);
    expect([q?.definition.name, p?.definition.name]).toEqual(['q', 'p']);
    await catalog.reload();
    expect(catalog.snapshot().policiesFor(platformId)[1]).toBe(p);
    await db.dataSource.query(`UPDATE policies SET condition = 'false', version = 2 WHERE name = 'p'`);
    await catalog.reload();
    const [sameQ, newP] = catalog.snapshot().policiesFor(platformId);
    expect(sameQ).toBe(q);
    expect(newP).not.toBe(p);
    expect(newP?.definition.condition).toBe('false');
  });

  it('takes a policy a write compiled for the version it stored, instead of compiling it again', async () => {
    const catalog = new Catalog(db.dataSource, { adapters });
    await catalog.reload();
    const [[row]] = await db.dataSource.query<[{ id: string; platform_id: string }[], number]>(
      `UPDATE policies SET version = 3 WHERE name = 'p' RETURNING id, platform_id`,
    );
    const written = compilePolicy({
      name: 'p',
      condition: 'false',
      claims: {},
      audiences: ['a'],
      scopes: [],
      ttlSeconds: 900,
      priority: 0,
      enabled: true,
    });
    catalog.adopt([{ id: row?.id ?? '', version: 3, kind: 'kubernetes', policy: written }]);
    await catalog.reload();
    expect(catalog.snapshot().policiesFor(row?.platform_id ?? '')).toContain(written);
  });
});
