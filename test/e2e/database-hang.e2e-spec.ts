import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client } from 'pg';
import { startBroker, trustCluster, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';
import { startPgProxy, type PgProxy } from '../support/pg-proxy';
import { createTestDatabase, type TestDatabase, sharedTestServer } from '../support/test-database';

describe.runIf(sharedTestServer)('a database that hangs', () => {
  let database: TestDatabase;
  let proxy: PgProxy;
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;
  let assertion: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startPgProxy(database.url);
    cluster = await startFakeKubernetesIssuer();
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, undefined, {
      url: proxy.url,
      singleSession: false,
      drop: () => Promise.resolve(),
    });
    await trustCluster(broker, cluster, {
      name: 'all',
      condition: 'true',
      audiences: ['https://api.example'],
    });
    assertion = await cluster.mint({ aud: ['https://broker.test/token'] });
  });

  afterAll(async () => {
    proxy?.restore();
    await broker?.close();
    await proxy?.close();
    await cluster?.close();
    await database?.drop();
  });

  const timed = async <T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const started = performance.now();
    const value = await run();
    return { value, ms: performance.now() - started };
  };

  it('fails readiness within a second and /token within two, then recovers', async () => {
    expect((await broker.token({ grant_type: JWT_BEARER, assertion })).status).toBe(200);
    proxy.freeze();
    let refused: Response;
    try {
      const ready = await timed(() => fetch(`${broker.url}/readyz`));
      expect(ready.value.status).toBe(503);
      expect(ready.ms).toBeLessThan(1_000);

      const token = await timed(() => broker.token({ grant_type: JWT_BEARER, assertion }));
      refused = token.value;
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ error: 'temporarily_unavailable' });
      expect(token.ms).toBeLessThan(2_500);
    } finally {
      proxy.restore();
    }
    await vi.waitFor(
      async () => expect((await broker.token({ grant_type: JWT_BEARER, assertion })).status).toBe(200),
      { timeout: 5_000, interval: 100 },
    );
    expect((await fetch(`${broker.url}/readyz`)).status).toBe(200);

    const observer = new Client({ connectionString: database.url });
    await observer.connect();
    try {
      const { rows } = await observer.query<{ outcome: string }>(
        'SELECT outcome FROM audit_events WHERE request_id = $1',
        [refused.headers.get('x-request-id')],
      );
      expect(rows.filter((row) => row.outcome === 'issued')).toEqual([]);
    } finally {
      await observer.end();
    }
  });
});
