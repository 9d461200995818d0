import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TestClock, startBroker, trustCluster, type Broker } from '../support/broker-harness';
import { captureLogs, type CapturedLogs } from '../support/captured-logs';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';
import { sharedTestServer } from '../support/test-database';

const clock = new TestClock();
const API = 'https://api.example';

/** NOTIFY needs a PostgreSQL server: the embedded one serves one session. */

describe.runIf(sharedTestServer)('catalog changes reaching a second replica', () => {
  let writer: Broker;
  let replica: Broker;
  let writerLogs: CapturedLogs;
  let replicaLogs: CapturedLogs;
  let cluster: FakeKubernetesIssuer;

  /** The catalog versions each `catalog reloaded` line of `logs` reached, in order. */
  const reloadedVersions = (logs: CapturedLogs) =>
    logs.withMessage('catalog reloaded').map((line) => line.version as number);

  const tokenFor = async (broker: Broker, namespace: string) => {
    const assertion = await cluster.mint({ aud: ['https://broker.test/token'], namespace });
    return (await broker.token({ grant_type: JWT_BEARER, assertion, audience: API })).status;
  };

  const policy = (name: string, namespace: string) => ({
    name,
    platform: 'cluster',
    condition: `identity.namespace == '${namespace}'`,
    audiences: [API],
  });

  beforeAll(async () => {
    writerLogs = captureLogs();
    replicaLogs = captureLogs();
    cluster = await startFakeKubernetesIssuer({ clock });
    const env = { FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' };
    writer = await startBroker(env, clock, undefined, writerLogs.logger);
    replica = await startBroker(env, clock, writer.database, replicaLogs.logger);
    await trustCluster(writer, cluster, policy('first', 'first'));
    await vi.waitFor(async () => expect(await tokenFor(replica, 'first')).toBe(200), {
      timeout: 5_000,
      interval: 25,
    });
  });

  afterAll(async () => {
    await replica?.close();
    await writer?.close();
    await cluster?.close();
  });

  it('a policy created on one replica is served by the other once its NOTIFY arrives', async () => {
    expect(await tokenFor(replica, 'created')).toBe(400);
    const created = await writer.admin('POST', '/admin/v1/policies', policy('created', 'created'));
    expect(created.status).toBe(201);
    expect(await tokenFor(writer, 'created')).toBe(200);
    await vi.waitFor(async () => expect(await tokenFor(replica, 'created')).toBe(200), {
      timeout: 5_000,
      interval: 25,
    });
  });

  it('a policy changed on one replica stops serving on the other', async () => {
    const patched = await writer.admin(
      'PATCH',
      '/admin/v1/policies/created',
      { condition: "identity.namespace == 'moved'" },
      { 'content-type': 'application/merge-patch+json', 'if-match': '*' },
    );
    expect(patched.status).toBe(200);
    await vi.waitFor(async () => expect(await tokenFor(replica, 'moved')).toBe(200), {
      timeout: 5_000,
      interval: 25,
    });
    expect(await tokenFor(replica, 'created')).toBe(400);
  });

  it('the writer reloads once per write, not again for its own NOTIFY; the other replica once', async () => {
    const writerBefore = reloadedVersions(writerLogs).length;
    const replicaBefore = reloadedVersions(replicaLogs).length;
    expect((await writer.admin('POST', '/admin/v1/policies', policy('once', 'once'))).status).toBe(201);
    await vi.waitFor(async () => expect(await tokenFor(replica, 'once')).toBe(200), {
      timeout: 5_000,
      interval: 25,
    });
    // NOTIFYs arrive in commit order: once the writer has followed this later change made on the
    // other replica, it has also received (and ignored) the NOTIFY of its own write.
    expect((await replica.admin('POST', '/admin/v1/policies', policy('later', 'later'))).status).toBe(201);
    await vi.waitFor(async () => expect(await tokenFor(writer, 'later')).toBe(200), {
      timeout: 5_000,
      interval: 25,
    });

    const writerReloads = reloadedVersions(writerLogs).slice(writerBefore);
    const replicaReloads = reloadedVersions(replicaLogs).slice(replicaBefore);
    expect(writerReloads).toHaveLength(2);
    expect(replicaReloads).toHaveLength(2);
    expect(new Set(writerReloads).size).toBe(2);
    expect(writerReloads).toEqual(replicaReloads);
  });

  it('logs each reload with its kind, version, size and duration', () => {
    const line = writerLogs.withMessage('catalog reloaded').at(-1);
    expect(line).toMatchObject({
      kind: 'incremental',
      platforms: 1,
      policies: 4,
      policiesChanged: 1,
      policiesCompiled: 1,
    });
    expect(line?.version).toEqual(expect.any(Number));
    expect(line?.durationMs).toEqual(expect.any(Number));
  });
});
