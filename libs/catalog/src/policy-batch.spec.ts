import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../test/support/test-database';
import { insertPolicies, updatePolicies, type PolicyColumns } from './policy-batch';

const columns = (
  name: string,
  platformId: string,
  overrides: Partial<PolicyColumns> = {},
): PolicyColumns => ({
  name,
  platformId,
  condition: 'true',
  actorCondition: null,
  subject: null,
  claims: { ns: 'identity.namespace' },
  audiences: ['https://api.example'],
  scopes: [],
  ttlSeconds: 900,
  priority: 0,
  enabled: true,
  oneTimeUse: null,
  mode: 'enforce',
  expiresAt: null,
  tests: [],
  ...overrides,
});

describe('policy batches', () => {
  const db = useMigratedDatabase();

  async function platformId(): Promise<string> {
    const [row] = await db.dataSource.query<{ id: string }[]>(
      `INSERT INTO platforms (name, kind, issuer, audiences, clock_skew_seconds, version)
       VALUES ('batch', 'kubernetes', 'https://batch.example', '[]', 60, 1) RETURNING id`,
    );
    return row?.id ?? '';
  }

  it('inserts thousands of policies in a few statements and updates them by id, once each', async () => {
    const platform = await platformId();
    const rows = Array.from({ length: 4500 }, (_, i) => columns(`p-${i}`, platform));
    const inserted = await db.dataSource.transaction((manager) => insertPolicies(manager, rows));
    expect(inserted).toHaveLength(4500);
    expect(inserted[0]).toMatchObject({ name: 'p-0', version: 1 });
    const expiresAt = new Date('2031-01-01T00:00:00.123Z');
    const tests = [{ name: 't', identity: { namespace: "it's" }, expect: 'match' }];
    const updated = await db.dataSource.transaction((manager) =>
      updatePolicies(
        manager,
        inserted.slice(0, 2500).map((row) => ({
          ...columns(row.name, platform, {
            mode: 'audit',
            expiresAt,
            tests,
            actorCondition: "actor.ns == 'ci'",
          }),
          id: row.id,
        })),
      ),
    );
    expect(updated).toHaveLength(2500);
    expect(updated.every((row) => row.version === 2)).toBe(true);
    const [stored] = await db.dataSource.query<Record<string, unknown>[]>(
      `SELECT mode, expires_at, tests, claims, actor_condition, version FROM policies WHERE name = 'p-0'`,
    );
    expect(stored).toEqual({
      mode: 'audit',
      expires_at: expiresAt,
      tests,
      claims: { ns: 'identity.namespace' },
      actor_condition: "actor.ns == 'ci'",
      version: 2,
    });
  });
});
