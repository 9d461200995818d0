import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TestClock, startBroker, trustCluster, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';

/** The broker's clock, which the fake clusters mint at too. */
const clock = new TestClock();

describe('no token without its audit row', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
    await trustCluster(broker, cluster, {
      name: 'all',
      condition: 'true',
      audiences: ['https://api.example'],
    });
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  it('answers 503 temporarily_unavailable when the audit write fails, and issues nothing', async () => {
    const assertion = await cluster.mint({ aud: ['https://broker.test/token'] });
    await broker.runtime.dataSource.query(`ALTER TABLE audit_records RENAME TO audit_records_offline`);
    try {
      const response = await broker.token({
        grant_type: JWT_BEARER,
        assertion,
      });
      expect(response.status).toBe(503);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.error).toBe('temporarily_unavailable');
      expect(body).not.toHaveProperty('access_token');
    } finally {
      await broker.runtime.dataSource.query(`ALTER TABLE audit_records_offline RENAME TO audit_records`);
    }
    await vi.waitFor(async () =>
      expect((await broker.token({ grant_type: JWT_BEARER, assertion })).status).toBe(200),
    );
  });

  it('answers 500 server_error, not 503, when the database refuses the audit record itself', async () => {
    const assertion = await cluster.mint({ aud: ['https://broker.test/token'] });
    await broker.runtime.dataSource.query(
      `ALTER TABLE audit_records ADD CONSTRAINT ck_test_refuse_policy
         CHECK (policy IS DISTINCT FROM audit_string_id('all')) NOT VALID`,
    );
    try {
      const response = await broker.token({ grant_type: JWT_BEARER, assertion });
      expect(response.status).toBe(500);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.error).toBe('server_error');
      expect(body).not.toHaveProperty('access_token');
    } finally {
      await broker.runtime.dataSource.query(
        `ALTER TABLE audit_records DROP CONSTRAINT ck_test_refuse_policy`,
      );
    }
  });
});
