import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { describe, expect, it } from 'vitest';
import { sharedTestServer, useMigratedDatabase } from '../../../test/support/test-database';

describe('audit_string_ids, the audit dictionary', () => {
  const db = useMigratedDatabase();
  const fresh = (label: string): string => `${label}-${randomBytes(6).toString('hex')}`;
  const idsOf = async (
    client: { query: Client['query'] },
    wanted: (string | null)[],
  ): Promise<(number | null)[]> =>
    (
      (await client.query('SELECT audit_string_ids($1::text[]) AS ids', [wanted])) as unknown as {
        rows: { ids: (number | null)[] }[];
      }
    ).rows[0]!.ids;
  const withClient = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: db.database.url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const rowsHolding = async (value: string): Promise<number> =>
    (
      await db.dataSource.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM audit_strings WHERE value = $1',
        [value],
      )
    )[0]!.n;

  it('answers the ids of texts it holds in the order asked, nulls and repeats included', async () => {
    const [a, b] = [fresh('a'), fresh('b')];
    const [idA, idB] = await withClient((client) => idsOf(client, [a, b]));
    expect(idA).not.toBe(idB);
    expect(await withClient((client) => idsOf(client, [b, null, a, b]))).toEqual([idB, null, idA, idB]);
    expect(await rowsHolding(a)).toBe(1);
  });

  it('adds only the texts it lacks, once each, and keeps the ids of the others', async () => {
    const [known, added] = [fresh('known'), fresh('added')];
    const [idKnown] = await withClient((client) => idsOf(client, [known]));
    const ids = await withClient((client) => idsOf(client, [added, known, added]));
    expect(ids[1]).toBe(idKnown);
    expect(ids[0]).toBe(ids[2]);
    expect(ids[0]).not.toBe(idKnown);
    expect(await rowsHolding(added)).toBe(1);
    expect(await rowsHolding(known)).toBe(1);
  });

  it('answers an empty list with an empty list', async () => {
    expect(await withClient((client) => idsOf(client, []))).toEqual([]);
  });

  // Embedded PostgreSQL runs one session: no two transactions at once.
  it.runIf(sharedTestServer)('gives a text met by two transactions at once one id', async () => {
    const text = fresh('raced');
    await withClient((first) =>
      withClient(async (second) => {
        await first.query('BEGIN');
        await second.query('BEGIN');
        const [firstId] = await idsOf(first, [text]);
        // The second waits on the first's lock on the text until the first commits.
        const secondIds = idsOf(second, [text, fresh('other')]);
        await first.query('COMMIT');
        const [secondId] = await secondIds;
        await second.query('COMMIT');
        expect(secondId).toBe(firstId);
      }),
    );
    expect(await rowsHolding(text)).toBe(1);
  });
});
