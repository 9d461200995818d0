import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { describe, expect, it } from 'vitest';
import { sharedTestServer, useMigratedDatabase } from '../../../test/support/test-database';

describe('audit_string_ids, the audit dictionary', () => {
  const db = useMigratedDatabase();
  const fresh = (label: string): string => `${label}-${randomBytes(6).toString('hex')}`;
  /** `audit_string_ids(wanted)`, or with `day` the form that marks the texts used on that day. */
  const idsOf = async (
    client: { query: Client['query'] },
    wanted: (string | null)[],
    day?: string,
  ): Promise<(number | null)[]> =>
    (
      (await client.query(
        day === undefined
          ? 'SELECT audit_string_ids($1::text[]) AS ids'
          : 'SELECT audit_string_ids($1::text[], $2::date) AS ids',
        day === undefined ? [wanted] : [wanted, day],
      )) as unknown as {
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

  it('marks each text as used up to the day it is asked for, never back', async () => {
    const [a, b] = [fresh('a'), fresh('b')];
    const lastDays = async (): Promise<string[]> =>
      (
        await db.dataSource.query<{ d: string }[]>(
          `SELECT s.last_day::text AS d FROM unnest($1::text[]) WITH ORDINALITY w(v, n)
           JOIN audit_strings s ON s.value = w.v ORDER BY w.n`,
          [[a, b]],
        )
      ).map((row) => row.d);
    const idsOn = (wanted: string[], day: string) => withClient((client) => idsOf(client, wanted, day));

    const first = await idsOn([a], '2030-03-05');
    expect(await idsOn([a, b], '2030-03-03')).toEqual([first[0], expect.any(Number)]);
    expect(await lastDays()).toEqual(['2030-03-05', '2030-03-03']);
    expect(await idsOn([b, a], '2030-03-07')).toEqual([expect.any(Number), first[0]]);
    expect(await lastDays()).toEqual(['2030-03-07', '2030-03-07']);
  });

  it('keeps for good a text asked for without a day (through the view, by hand)', async () => {
    const text = fresh('dayless');
    await withClient((client) => idsOf(client, [text]));
    expect(
      await db.dataSource.query(`SELECT last_day::text AS d FROM audit_strings WHERE value = $1`, [text]),
    ).toEqual([{ d: 'infinity' }]);
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
