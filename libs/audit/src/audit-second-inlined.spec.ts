import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '@fedbroker/persistence';
import { dataSourceBefore } from '../../../test/support/migrations';
import {
  createTestDatabase,
  sharedTestServer,
  useMigratedDatabase,
} from '../../../test/support/test-database';

const MIGRATION = 'AuditSecondInlined1765300000000';

/** How the listing bounds a name filter's second, planned with index scans only. */
const LISTING = `EXPLAIN SELECT id FROM audit_records
  WHERE platform = 1 AND audit_second(time) <= audit_second('2026-06-01T00:00:00Z'::timestamptz)
  ORDER BY audit_second(time) DESC, time DESC, id DESC LIMIT 10`;

async function plan(client: Client | DataSource, sql: string): Promise<string> {
  const rows = (client instanceof Client ? (await client.query(sql)).rows : await client.query(sql)) as {
    'QUERY PLAN': string;
  }[];
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

/** The condition the listing's index scan is given, the second's bound included or not. */
function indexCondition(explained: string): string {
  return /Index Cond: (.*)/.exec(explained)?.[1] ?? '';
}

describe('audit_second, inlined', () => {
  const database = useMigratedDatabase();

  it('is inlined where it is used: no audit INSERT parses and plans it as a function again', async () => {
    const explained = await plan(database.dataSource, `EXPLAIN VERBOSE SELECT audit_second(now())`);
    expect(explained).not.toContain('audit_second');
    expect(explained).toContain("date_part('epoch'::text, (now() - '2020-01-01 00:00:00+00'");
  });

  it('gives the second the indexes hold, for instants around 2020, fractions and time zones alike', async () => {
    const [differing] = await database.dataSource.query<{ count: string; checked: string }[]>(`
      SELECT count(*) FILTER (WHERE audit_second(t) <> floor(date_part('epoch', t) - 1577836800)::integer) AS count,
             count(*) AS checked
      FROM (SELECT timestamptz '2020-01-01 00:00:00+00' + n * interval '997 seconds 999999 microseconds' AS t
            FROM generate_series(-100000, 100000) n) instants`);
    expect(differing).toEqual({ count: '0', checked: '200001' });
    // across New York's change to summer time, one second apart whatever the local clock says
    await database.dataSource.query(`SET TIME ZONE 'America/New_York'`);
    const seconds = await database.dataSource.query<{ second: number }[]>(
      `SELECT audit_second(t) AS second FROM unnest(ARRAY[
         '2019-12-31 23:59:59.999999+00', '2020-01-01 00:00:00+00', '2020-01-01 00:00:00.000001+00',
         '2021-03-14 01:59:59.5', '2021-03-14 03:00:00', '1970-01-01 00:00:00+00'
       ]::timestamptz[]) t`,
    );
    await database.dataSource.query('RESET TIME ZONE');
    expect(seconds.map((row) => row.second)).toEqual([-1, 0, 0, 37_868_399, 37_868_400, -1_577_836_800]);
  });

  it('leaves the listing using its index for the second, and undoes to the former definition', async () => {
    await database.dataSource.query('SET enable_seqscan = off');
    expect(indexCondition(await plan(database.dataSource, LISTING))).toContain('2020-01-01 00:00:00+00');
    await database.dataSource.undoLastMigration({ transaction: 'all' });
    expect(await plan(database.dataSource, `EXPLAIN VERBOSE SELECT audit_second(now())`)).toContain(
      'audit_second(now())',
    );
    await database.dataSource.runMigrations();
    expect(indexCondition(await plan(database.dataSource, LISTING))).toContain('2020-01-01 00:00:00+00');
  });

  it.runIf(sharedTestServer)(
    "keeps another connection's listing on its index for the second once it is migrated",
    async () => {
      const migrated = await createTestDatabase();
      const before = dataSourceBefore(migrated.url, MIGRATION);
      const other = new Client({ connectionString: migrated.url });
      try {
        await before.initialize();
        await before.runMigrations();
        await before.destroy();
        await other.connect();
        await other.query('SET enable_seqscan = off');
        // the connection reads the index's expressions as the former definition made them
        expect(indexCondition(await plan(other, LISTING))).toContain('audit_second("time") <=');

        await (await openDatabase({ url: migrated.url, poolSize: 1 })).destroy();

        expect(indexCondition(await plan(other, LISTING))).toContain('2020-01-01 00:00:00+00');
      } finally {
        await other.end();
        if (before.isInitialized) await before.destroy();
        await migrated.drop();
      }
    },
  );
});
