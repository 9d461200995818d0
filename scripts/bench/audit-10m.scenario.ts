// `audit-10m`: the audit trail with 10 million events (BENCH_AUDIT_ROWS) over 30 days: storage per
// row, indexes and dictionary included, and the p99 of the admin listing over HTTP for every
// documented filter, beside the unfiltered first page measured in the same run.
import { percentile, sleep, withClient } from '../bench-support';
import { SEEDED, seedAuditEvents } from './audit-seed';
import { startBenchBroker, type BenchBroker } from './broker-process';
import { positiveInt } from './knobs';
import type { BenchScenario, ScenarioFigure } from './scenario';

const BYTES_TARGET = 350;
const P99_TARGET_MS = 50;
const DAYS = 30;

/** One kind of listing, and the query strings it cycles through. */
interface Listing {
  what: string;
  queries: string[];
}

export const audit10mScenario: BenchScenario = {
  name: 'audit-10m',
  summary: 'audit storage per row and admin listing p99 for every filter, with 10 million events',
  async run(env) {
    const rows = positiveInt('BENCH_AUDIT_ROWS', 10_000_000);
    const requests = positiveInt('BENCH_AUDIT_REQUESTS', 200);
    const seeder = await startBenchBroker(env, { name: 'broker-seeded' });
    const end = new Date();
    env.log(`seeding ${rows} audit events over ${DAYS} days`);
    const seeded = performance.now();
    await withClient(seeder.databaseUrl, async (client) => {
      await seedAuditEvents(client, { rows, days: DAYS, end }, (line) => env.log(line));
      env.log('analyzing, as autovacuum would');
      await client.query('VACUUM (ANALYZE) audit_records');
    });
    // A broker starting on the seeded trail runs its partition maintenance at once, as every broker
    // does hourly: the days that are over get their indexes compacted.
    await seeder.stop();
    const broker = await startBenchBroker(env, { databaseUrl: seeder.databaseUrl });
    await waitForCompaction(broker.databaseUrl, DAYS, (line) => env.log(line));
    const { bytes, count, samples } = await withClient(broker.databaseUrl, async (client) => {
      const [size] = (
        await client.query<{ bytes: string; count: string }>(
          `SELECT (SELECT sum(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i
                   WHERE i.inhparent = 'audit_records'::regclass)
                  + pg_total_relation_size('audit_strings') + pg_total_relation_size('audit_chain_anchors') AS bytes,
                  (SELECT count(*) FROM audit_records) AS count`,
        )
      ).rows;
      const pick = async (sql: string) => (await client.query<{ v: string }>(sql)).rows.map((r) => r.v);
      return {
        bytes: Number(size?.bytes ?? 0),
        count: Number(size?.count ?? 0),
        samples: {
          requestIds: await pick(
            `SELECT request_uuid::text AS v FROM audit_records TABLESAMPLE SYSTEM (1) LIMIT 50`,
          ),
          tokenIds: await pick(
            `SELECT token_uuid::text AS v FROM audit_records TABLESAMPLE SYSTEM (1)
             WHERE token_uuid IS NOT NULL LIMIT 50`,
          ),
        },
      };
    });
    const seedSeconds = (performance.now() - seeded) / 1000;
    const bytesPerRow = bytes / count;

    const day = (daysAgo: number) => new Date(end.getTime() - daysAgo * 86_400_000);
    const hourFrom = (i: number) => day(10 + i / 24).toISOString();
    const hourTo = (i: number) => new Date(day(10 + i / 24).getTime() + 3_600_000).toISOString();
    const n = (count: number, f: (i: number) => string) => Array.from({ length: count }, (_, i) => f(i));
    const enc = encodeURIComponent;
    const deepCursor = await firstCursor(broker, `to=${enc(day(15).toISOString())}`);
    const listings: Listing[] = [
      { what: 'outcome=denied', queries: ['outcome=denied'] },
      { what: 'outcome=issued', queries: ['outcome=issued'] },
      { what: 'platform (most frequent)', queries: [`platform=${SEEDED.platform(0)}`] },
      { what: 'platform (rarest)', queries: [`platform=${SEEDED.platform(SEEDED.platforms - 1)}`] },
      { what: 'subject', queries: n(50, (i) => `subject=${enc(SEEDED.subject(i * 97))}`) },
      { what: 'policy', queries: n(50, (i) => `policy=${enc(SEEDED.policy(i * 7))}`) },
      { what: 'requestId', queries: samples.requestIds.map((id) => `requestId=${id}`) },
      { what: 'tokenId', queries: samples.tokenIds.map((id) => `tokenId=${id}`) },
      { what: 'from/to, one hour', queries: n(50, (i) => `from=${enc(hourFrom(i))}&to=${enc(hourTo(i))}`) },
      { what: 'from=<a date>', queries: [`from=${day(3).toISOString().slice(0, 10)}`] },
      { what: 'to, 20 days back', queries: [`to=${enc(day(20).toISOString())}`] },
      { what: 'limit=500', queries: ['limit=500'] },
      { what: 'cursor, 15 days deep', queries: [`cursor=${deepCursor}`] },
      {
        what: 'platform + outcome=denied',
        queries: [`platform=${SEEDED.platform(3)}&outcome=denied`],
      },
      {
        what: 'subject + one day',
        queries: n(
          50,
          (i) =>
            `subject=${enc(SEEDED.subject(i * 89))}&from=${day(5).toISOString().slice(0, 10)}&to=${day(4).toISOString().slice(0, 10)}`,
        ),
      },
      { what: 'an unknown subject', queries: ['subject=nobody'] },
    ];

    env.log(`measuring ${requests} listings per filter`);
    const baseline = await p99(broker, ['limit=50'], requests);
    const figures: ScenarioFigure[] = [
      {
        what: `audit storage per row, indexes and dictionary included (${count} rows)`,
        value: bytesPerRow,
        unit: 'bytes',
        baseline: `${(bytes / 2 ** 30).toFixed(2)} GiB in all`,
        target: `<= ${BYTES_TARGET}`,
        met: bytesPerRow <= BYTES_TARGET,
      },
    ];
    const notes = [`seeded ${count} events over ${DAYS} days in ${seedSeconds.toFixed(0)} s`];
    for (const listing of listings) {
      const ms = await p99(broker, listing.queries, requests);
      figures.push({
        what: `admin listing p99, ${listing.what}`,
        value: ms,
        unit: 'ms',
        baseline: `first page, no filter: ${baseline.toFixed(1)} ms`,
        target: `< ${P99_TARGET_MS} ms`,
        met: ms < P99_TARGET_MS,
      });
    }
    notes.push(
      `p99 over ${requests} sequential requests per filter, values cycled where the filter has several`,
    );
    return { figures, notes, failures: [] };
  },
};

/** The p99 in ms of `requests` sequential listings, cycling through `queries` (after a short warm-up). */
async function p99(broker: BenchBroker, queries: readonly string[], requests: number): Promise<number> {
  const times: number[] = [];
  for (let i = -5; i < requests; i++) {
    const query = queries[((i % queries.length) + queries.length) % queries.length] ?? '';
    const started = performance.now();
    const response = await fetch(`${broker.baseUrl}/admin/v1/audit-events?${query}`, {
      headers: { authorization: `Bearer ${broker.adminToken}` },
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`audit listing ${query} answered ${response.status}`);
    if (i >= 0) times.push(performance.now() - started);
  }
  return percentile(
    times.sort((a, b) => a - b),
    0.99,
  );
}

async function waitForCompaction(
  databaseUrl: string,
  days: number,
  log: (line: string) => void,
): Promise<void> {
  const deadline = performance.now() + 30 * 60_000;
  for (;;) {
    const compacted = await withClient(databaseUrl, async (client) => {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_class
         WHERE relname ~ '^audit_records_p' AND obj_description(oid, 'pg_class') = 'fedbroker: compacted'`,
      );
      return rows[0]?.n ?? 0;
    });
    if (compacted >= days) return;
    if (performance.now() > deadline) throw new Error(`only ${compacted} of ${days} days compacted`);
    log(`waiting for the broker's partition maintenance: ${compacted} of ${days} past days compacted`);
    await sleep(5_000);
  }
}

async function firstCursor(broker: BenchBroker, query: string): Promise<string> {
  const { body } = await broker.admin('GET', `/admin/v1/audit-events?${query}`);
  const cursor = (body as { nextCursor?: string | null }).nextCursor;
  if (typeof cursor !== 'string') throw new Error(`no cursor for ${query}`);
  return cursor;
}
