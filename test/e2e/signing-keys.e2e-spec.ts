import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { TestClock, startBroker, trustCluster, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';
import { createTestDatabase, type TestDatabase, sharedTestServer } from '../support/test-database';

const KEK_A = Buffer.alloc(32, 0xa1).toString('base64');
const KEK_B = Buffer.alloc(32, 0xb2).toString('base64');
const POLICY = { name: 'all', condition: 'true', audiences: ['https://api.example'] };

interface KeyView {
  kid: string;
  alg: string;
  status: string;
  activatesAt: string;
  publishUntil: string | null;
}

async function json<T>(response: Promise<Response>): Promise<T> {
  const answered = await response;
  if (!answered.ok) throw new Error(`${answered.status}: ${await answered.text()}`);
  return (await answered.json()) as T;
}

describe('signing keys of a deployment', () => {
  const clock = new TestClock(new Date('2031-03-01T00:00:00Z'));
  let cluster: FakeKubernetesIssuer;
  let database: TestDatabase;
  let broker: Broker | undefined;

  /** Starts (or restarts) the deployment's one broker with `env` on the suite's database. */
  const restart = async (env: Record<string, string>): Promise<Broker> => {
    await broker?.close();
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true', ...env }, clock, database);
    return broker;
  };
  const issue = async (b: Broker): Promise<string> => {
    const assertion = await cluster.mint({ aud: ['https://broker.test/token'] });
    const answer = await json<{ access_token: string }>(b.token({ grant_type: JWT_BEARER, assertion }));
    return answer.access_token;
  };
  const verify = async (b: Broker, token: string) => {
    const jwks = await json<JSONWebKeySet>(fetch(`${b.url}/jwks`));
    return jwtVerify(token, createLocalJWKSet(jwks), { currentDate: clock.now(), typ: 'at+jwt' });
  };
  const metadataAlgs = async (b: Broker) =>
    (
      await json<{ access_token_signing_alg_values_supported: string[] }>(
        fetch(`${b.url}/.well-known/oauth-authorization-server`),
      )
    ).access_token_signing_alg_values_supported;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    database = await createTestDatabase();
    await trustCluster(await restart({ FEDBROKER_KEY_ENCRYPTION_KEY: KEK_A }), cluster, POLICY);
  });
  afterAll(async () => {
    await broker?.close();
    await database?.drop();
    await cluster?.close();
  });

  it('switches algorithm when restarted with another FEDBROKER_SIGNING_ALG, publishing the new key first', async () => {
    const before = broker!;
    const oldToken = await issue(before);
    expect(decodeProtectedHeader(oldToken).alg).toBe('ES256');

    clock.advance(60);
    const after = await restart({
      FEDBROKER_KEY_ENCRYPTION_KEY: KEK_A,
      FEDBROKER_SIGNING_ALG: 'ES384',
      FEDBROKER_KEY_ROTATION_LEAD_SECONDS: '120',
    });
    const keys = await json<{ items: KeyView[] }>(after.admin('GET', '/admin/v1/signing-keys'));
    expect(keys.items.map((k) => [k.alg, k.status])).toEqual([
      ['ES384', 'pending'],
      ['ES256', 'current'],
    ]);
    expect(keys.items[0]?.activatesAt).toBe('2031-03-01T00:03:00.000Z');
    expect(await metadataAlgs(after)).toEqual(['ES256', 'ES384']);
    expect(decodeProtectedHeader(await issue(after)).alg).toBe('ES256');

    clock.advance(120);
    const newToken = await issue(after);
    expect(decodeProtectedHeader(newToken)).toMatchObject({ alg: 'ES384', kid: keys.items[0]?.kid });
    expect((await verify(after, newToken)).protectedHeader.alg).toBe('ES384');
    expect((await verify(after, oldToken)).protectedHeader.alg).toBe('ES256');
    expect(await metadataAlgs(after)).toEqual(['ES384', 'ES256']);

    const changes = await json<{ items: { actor: string; resource: string; after: unknown }[] }>(
      after.admin('GET', '/admin/v1/changes?resource=signing-key'),
    );
    expect(changes.items[0]).toMatchObject({
      actor: 'broker',
      after: { kid: keys.items[0]?.kid, alg: 'ES384', reason: 'algorithm' },
    });
  });

  it('rotates on schedule once the current key has signed FEDBROKER_KEY_ROTATION_DAYS, on the periodic check', async () => {
    const b = await restart({
      FEDBROKER_KEY_ENCRYPTION_KEY: KEK_A,
      FEDBROKER_SIGNING_ALG: 'ES384',
      FEDBROKER_KEY_ROTATION_DAYS: '7',
      FEDBROKER_KEY_ROTATION_LEAD_SECONDS: '3600',
    });
    const signing = b.runtime.signingKeys.current().kid;
    clock.advance(6 * 86_400);
    expect(await b.runtime.checkKeyRotation()).toBeUndefined();

    clock.advance(86_400);
    const created = await b.runtime.checkKeyRotation();
    expect(created).toMatchObject({ alg: 'ES384', status: 'pending' });
    const jwks = await json<JSONWebKeySet>(fetch(`${b.url}/jwks`));
    expect(jwks.keys.map((k) => k.kid)).toContain(created?.kid);
    expect(decodeProtectedHeader(await issue(b)).kid).toBe(signing);

    clock.advance(3600);
    expect(decodeProtectedHeader(await issue(b)).kid).toBe(created?.kid);
    expect(await b.runtime.checkKeyRotation()).toBeUndefined();
  });

  it('rewraps every key under a new key-encryption key, after which the old one is needed no more', async () => {
    const rolled = await restart({
      FEDBROKER_KEY_ENCRYPTION_KEY: KEK_B,
      FEDBROKER_PREVIOUS_KEY_ENCRYPTION_KEYS: KEK_A,
      FEDBROKER_SIGNING_ALG: 'ES384',
    });
    const signing = rolled.runtime.signingKeys.current().kid;
    expect(decodeProtectedHeader(await issue(rolled)).kid).toBe(signing);
    const stored = await json<{ items: KeyView[] }>(rolled.admin('GET', '/admin/v1/signing-keys'));

    const report = await json<{ rewrapped: string[]; unchanged: string[]; unreadable: string[] }>(
      rolled.admin('POST', '/admin/v1/signing-keys/rewrap'),
    );
    expect(report.rewrapped.sort()).toEqual(stored.items.map((k) => k.kid).sort());
    expect(report).toMatchObject({ unchanged: [], unreadable: [] });
    const changes = await json<{ items: { action: string; name: string }[] }>(
      rolled.admin('GET', '/admin/v1/changes?resource=signing-key'),
    );
    expect(
      changes.items
        .filter((c) => c.action === 'update')
        .map((c) => c.name)
        .sort(),
    ).toEqual(report.rewrapped.sort());

    const onlyNew = await restart({ FEDBROKER_KEY_ENCRYPTION_KEY: KEK_B, FEDBROKER_SIGNING_ALG: 'ES384' });
    expect(decodeProtectedHeader(await issue(onlyNew)).kid).toBe(signing);
    await expect(
      startBroker({ FEDBROKER_KEY_ENCRYPTION_KEY: KEK_A, FEDBROKER_SIGNING_ALG: 'ES384' }, clock, database),
    ).rejects.toThrow(/cannot be unwrapped/);
  });

  it('lets only an admin rewrap', async () => {
    const b = broker!;
    const auditor = await json<{ credential: string }>(
      b.admin('POST', '/admin/v1/credentials', { name: 'reader', role: 'auditor' }),
    );
    const refused = await b.admin('POST', '/admin/v1/signing-keys/rewrap', undefined, {
      authorization: `Bearer ${auditor.credential}`,
    });
    expect(refused.status).toBe(403);
    expect((await b.admin('POST', '/admin/v1/signing-keys/rewrap', { kek: 'x' })).status).toBe(400);
  });
});

describe.runIf(sharedTestServer)('a roll to a new key-encryption key', () => {
  const clock = new TestClock();
  let upgraded: Broker;
  let notYet: Broker;

  beforeAll(async () => {
    notYet = await startBroker({ FEDBROKER_KEY_ENCRYPTION_KEY: KEK_A }, clock);
    upgraded = await startBroker(
      { FEDBROKER_KEY_ENCRYPTION_KEY: KEK_B, FEDBROKER_PREVIOUS_KEY_ENCRYPTION_KEYS: KEK_A },
      clock,
      notYet.database,
    );
  });
  afterAll(async () => {
    await upgraded?.close();
    await notYet?.close();
  });

  it('lets a replica not yet given the new key load a key another replica rotated meanwhile', async () => {
    clock.advance(60);
    const rotated = await json<{ kid: string }>(upgraded.admin('POST', '/admin/v1/signing-keys/rotate'));
    await vi.waitFor(() => expect(notYet.runtime.signingKeys.current().kid).toBe(rotated.kid), {
      timeout: 5_000,
      interval: 50,
    });
  });
});

describe.each(['ES256', 'ES384', 'RS256', 'EdDSA'])('a deployment signing with %s', (alg) => {
  const clock = new TestClock();
  let cluster: FakeKubernetesIssuer;
  let broker: Broker;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true', FEDBROKER_SIGNING_ALG: alg }, clock);
    await trustCluster(broker, cluster, POLICY);
  });
  afterAll(async () => {
    await broker?.close();
    await cluster?.close();
  });

  it('issues tokens of that algorithm that its /jwks verifies, and says so in its metadata', async () => {
    const assertion = await cluster.mint({ aud: ['https://broker.test/token'] });
    const { access_token } = await json<{ access_token: string }>(
      broker.token({ grant_type: JWT_BEARER, assertion }),
    );
    const jwks = await json<JSONWebKeySet>(fetch(`${broker.url}/jwks`));
    const { protectedHeader } = await jwtVerify(access_token, createLocalJWKSet(jwks), {
      currentDate: clock.now(),
      algorithms: [alg],
    });
    expect(protectedHeader).toMatchObject({ alg, typ: 'at+jwt' });
    expect(jwks.keys).toEqual([expect.objectContaining({ alg, use: 'sig' })]);
    const metadata = await json<Record<string, unknown>>(
      fetch(`${broker.url}/.well-known/openid-configuration`),
    );
    expect(metadata.access_token_signing_alg_values_supported).toEqual([alg]);
  });
});
