import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TestClock, startBroker, trustCluster, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';
import { sharedTestServer } from '../support/test-database';

/** The broker's clock, which the fake clusters mint at too. */
const clock = new TestClock();

describe.runIf(sharedTestServer)('two replicas on one PostgreSQL', () => {
  let first: Broker;
  let second: Broker;
  let cluster: FakeKubernetesIssuer;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    first = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
    second = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock, first.database);
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await cluster?.close();
  });

  it('a platform and policy written through one replica serve tokens on the other (LISTEN/NOTIFY)', async () => {
    await trustCluster(first, cluster, {
      name: 'all',
      condition: 'true',
      audiences: ['https://api.example'],
    });
    const assertion = await cluster.mint({ aud: ['https://broker.test/token'] });
    await vi.waitFor(
      async () => {
        expect((await second.token({ grant_type: JWT_BEARER, assertion })).status).toBe(200);
      },
      { timeout: 5_000, interval: 50 },
    );
  });

  it('a key rotated on one replica is published by the other', async () => {
    const rotated = (await (await first.admin('POST', '/admin/v1/signing-keys/rotate')).json()) as {
      kid: string;
    };
    await vi.waitFor(
      async () => {
        const jwks = (await (await fetch(`${second.url}/jwks`)).json()) as { keys: { kid: string }[] };
        expect(jwks.keys.map((k) => k.kid)).toContain(rotated.kid);
      },
      { timeout: 5_000, interval: 50 },
    );
  });
});
