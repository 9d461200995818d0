import { Client } from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { formOf, trustCluster } from '../support/broker-harness';
import { startFakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';
import { createTestDatabase, sharedTestServer } from '../support/test-database';
import { startBrokerProcess, type BrokerProcess } from './support/broker-process';

const ROUNDS = 2;
/** Two processes each transform the broker's sources at start-up: slow on a busy machine. */
const ROUND_TIMEOUT_MS = 60_000;

describe.runIf(sharedTestServer)('replica processes starting together on an empty database', () => {
  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))(
    'all start and serve (round %i)',
    async () => {
      const database = await createTestDatabase();
      const cluster = await startFakeKubernetesIssuer({ alg: 'ES256' });
      const started = performance.now();
      const starting = await Promise.allSettled([
        startBrokerProcess(database.url),
        startBrokerProcess(database.url),
      ]);
      const replicas: BrokerProcess[] = starting.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      try {
        expect(starting.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []))).toEqual([]);
        console.log(
          `two replicas listening ${Math.round(performance.now() - started)} ms after they were started`,
        );
        const [first, second] = replicas as [BrokerProcess, BrokerProcess];
        await trustCluster(first, cluster, {
          name: 'all',
          condition: 'true',
          audiences: ['https://api.example'],
        });
        const body = formOf({
          grant_type: JWT_BEARER,
          assertion: await cluster.mint({ aud: ['https://broker.test/token'] }),
        });
        await vi.waitFor(
          async () => expect((await fetch(`${second.url}/token`, { method: 'POST', body })).status).toBe(200),
          { timeout: 5_000, interval: 50 },
        );
        expect(await appliedMigrations(database.url)).toBe(await appliedMigrations(database.url, 'distinct'));
        expect(replicas.every((replica) => replica.running())).toBe(true);
      } finally {
        await Promise.all(replicas.map((replica) => replica.kill()));
        await cluster.close();
        await database.drop();
      }
    },
    ROUND_TIMEOUT_MS,
  );
});

async function appliedMigrations(databaseUrl: string, distinct?: 'distinct'): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(${distinct === undefined ? '*' : 'DISTINCT name'})::int AS n FROM migrations`,
    );
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}
