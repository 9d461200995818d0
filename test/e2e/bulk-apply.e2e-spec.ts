import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, TestClock, startBroker, type Broker } from '../support/broker-harness';
import {
  serviceAccountUid,
  startFakeKubernetesIssuer,
  type FakeKubernetesIssuer,
} from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';

const clock = new TestClock();
const API = 'https://api.example';
const AUDIENCE = 'https://broker.test/token';

type Json = Record<string, unknown>;
interface Applied {
  created: { resource: string; name: string }[];
  updated: { resource: string; name: string }[];
  unchanged: { resource: string; name: string }[];
  warnings: { code: string; field: string; message: string }[];
}
interface Problem {
  errors?: { field: string; message: string }[];
}
interface Change {
  actor: string;
  action: string;
  resource: string;
  name: string;
  version: number;
  before: Json | null;
  after: Json | null;
}

describe('POST /admin/v1/apply', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock, audience: AUDIENCE });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  const platform = (overrides: Json = {}): Json => ({
    name: 'cluster',
    kind: 'kubernetes',
    issuer: cluster.issuer,
    audiences: [AUDIENCE],
    ...overrides,
  });
  const policy = (name: string, overrides: Json = {}): Json => ({
    name,
    platform: 'cluster',
    condition: `identity.serviceAccountUid == '${serviceAccountUid(name, 'app')}'`,
    audiences: [API],
    ...overrides,
  });

  async function apply(body: unknown, token = ADMIN_TOKEN): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${broker.url}/admin/v1/apply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function catalogVersion(): Promise<number> {
    const [state] = await broker.runtime.dataSource.query<{ version: string }[]>(
      'SELECT version FROM catalog_state WHERE id = 1',
    );
    return Number(state?.version);
  }

  async function policyCount(): Promise<number> {
    const [row] = await broker.runtime.dataSource.query<{ n: string }[]>(
      'SELECT count(*) AS n FROM policies',
    );
    return Number(row?.n);
  }

  async function changesOf(name: string): Promise<Change[]> {
    const page = (await (await broker.admin('GET', `/admin/v1/changes?name=${name}`)).json()) as {
      items: Change[];
    };
    return page.items;
  }

  const exchange = async (namespace: string) =>
    broker.token({
      grant_type: JWT_BEARER,
      assertion: await cluster.mint({ namespace, serviceAccount: 'app' }),
    });

  it('creates platforms and the policies on them in one transaction with one catalog change', async () => {
    const before = await catalogVersion();
    const applied = await apply({
      platforms: [platform()],
      policies: [policy('payments'), policy('billing')],
    });
    expect(applied.status).toBe(200);
    expect(applied.body).toEqual({
      created: [
        { resource: 'platform', name: 'cluster' },
        { resource: 'policy', name: 'payments' },
        { resource: 'policy', name: 'billing' },
      ],
      updated: [],
      unchanged: [],
      warnings: [],
    });
    expect(await catalogVersion()).toBe(before + 1);
    expect(broker.runtime.catalog.snapshot().version).toBe(before + 1);
    expect((await exchange('payments')).status).toBe(200);
    expect(await changesOf('payments')).toEqual([
      expect.objectContaining({
        actor: 'bootstrap',
        action: 'create',
        resource: 'policy',
        version: 1,
        before: null,
      }),
    ]);
    expect(await changesOf('cluster')).toEqual([
      expect.objectContaining({ action: 'create', resource: 'platform', version: 1 }),
    ]);
  });

  it('answers a second apply of the same resources as unchanged, without a catalog change', async () => {
    const before = await catalogVersion();
    const applied = await apply({
      platforms: [platform()],
      policies: [policy('payments'), policy('billing')],
    });
    expect(applied.body).toMatchObject({
      created: [],
      updated: [],
      unchanged: [
        { resource: 'platform', name: 'cluster' },
        { resource: 'policy', name: 'payments' },
        { resource: 'policy', name: 'billing' },
      ],
    });
    expect(await catalogVersion()).toBe(before);
    expect(await changesOf('payments')).toHaveLength(1);
  });

  it('updates what changed, keeps the rest, and records each update with before and after', async () => {
    const applied = await apply({
      policies: [policy('payments', { scopes: ['payments.read'] }), policy('billing'), policy('ops')],
    });
    expect(applied.body, JSON.stringify(applied.body)).toMatchObject({
      created: [{ resource: 'policy', name: 'ops' }],
      updated: [{ resource: 'policy', name: 'payments' }],
      unchanged: [{ resource: 'policy', name: 'billing' }],
    });
    const read = (await (await broker.admin('GET', '/admin/v1/policies/payments')).json()) as Json;
    expect(read).toMatchObject({ version: 2, scopes: ['payments.read'] });
    const [update] = await changesOf('payments');
    expect(update).toMatchObject({
      action: 'update',
      version: 2,
      before: { scopes: [] },
      after: { scopes: ['payments.read'] },
    });
    const granted = (await (await exchange('payments')).json()) as Json;
    expect(granted.scope).toBe('payments.read');
  });

  it('lists every invalid item in one 400 and applies nothing', async () => {
    const count = await policyCount();
    const version = await catalogVersion();
    const applied = await apply({
      platforms: [platform({ name: 'second', kind: 'mainframe' })],
      policies: [
        policy('fine'),
        policy('unknown-platform', { platform: 'nowhere' }),
        policy('fine'),
        policy('broken', { condition: "identity.namespce == 'x'" }),
        policy('bad-ttl', { ttlSeconds: 0 }),
        'not an object',
        policy('failing-test', {
          tests: [{ name: 'never', identity: { subject: 's', serviceAccountUid: 'u' }, expect: 'match' }],
        }),
      ],
    });
    expect(applied.status).toBe(400);
    const fields = ((applied.body as Problem).errors ?? []).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'platforms.0.kind',
        'policies.1.platform',
        'policies.2.name',
        'policies.3.condition',
        'policies.4.ttlSeconds',
        'policies.5',
        'policies.6.tests.0',
      ]),
    );
    expect(await policyCount()).toBe(count);
    expect(await catalogVersion()).toBe(version);
  });

  it('checks items against the database in the same transaction, refusing them all together', async () => {
    const count = await policyCount();
    const applied = await apply({
      policies: [
        policy('fine'),
        policy('unknown-platform', { platform: 'nowhere' }),
        policy('failing-test', {
          tests: [{ name: 'never', identity: { subject: 's', serviceAccountUid: 'u' }, expect: 'match' }],
        }),
      ],
    });
    expect(applied.status).toBe(400);
    expect((applied.body as Problem).errors).toEqual([
      { field: 'policies.1.platform', message: 'no platform named nowhere' },
      {
        field: 'policies.2.tests.0',
        message: expect.stringMatching(/^never: expected match, got no_match/) as unknown,
      },
    ]);
    expect(await policyCount()).toBe(count);
    expect((await broker.admin('GET', '/admin/v1/policies/fine')).status).toBe(404);
  });

  it('refuses a platform the broker could not tell apart from another', async () => {
    const applied = await apply({ platforms: [platform({ name: 'twin' })] });
    expect(applied.status).toBe(400);
    expect((applied.body as Problem).errors).toEqual([
      {
        field: 'platforms.0.issuer',
        message: expect.stringContaining('platform cluster also answers to') as unknown,
      },
    ]);
  });

  it('answers with the warnings of each policy, under its path: long outranks ops and payments by name', async () => {
    const applied = await apply({
      policies: [
        policy('billing'),
        policy('long', { ttlSeconds: 7200, condition: "identity.namespace == 'long'" }),
      ],
    });
    expect(applied.status).toBe(200);
    const warnings = (applied.body as unknown as Applied).warnings as (Applied['warnings'][number] & {
      policy?: string;
    })[];
    expect(warnings.map((w) => [w.code, w.field, w.policy])).toEqual([
      ['ttl_capped', 'policies.1.ttlSeconds', undefined],
      ['mutable_names', 'policies.1.condition', undefined],
      ['takes_over', 'policies.1.priority', 'ops'],
      ['takes_over', 'policies.1.priority', 'payments'],
    ]);
  });

  it('is refused to an auditor (403)', async () => {
    const credential = await broker.admin('POST', '/admin/v1/credentials', {
      name: 'reader',
      role: 'auditor',
    });
    const secret = ((await credential.json()) as { credential: string }).credential;
    expect((await apply({ policies: [policy('x')] }, secret)).status).toBe(403);
  });

  it.each([
    ['an array', []],
    ['an unknown member', { platforms: [], secrets: [] }],
    ['platforms that are not a list', { platforms: {} }],
  ])('refuses a body that is %s (400)', async (_case, body) => {
    expect((await apply(body)).status).toBe(400);
  });

  it('applies a few hundred policies in one request, over the 1 MiB of other admin bodies', async () => {
    const padding = 'x'.repeat(3000);
    const policies = Array.from({ length: 400 }, (_, i) =>
      policy(`bulk-${i}`, {
        tests: [
          {
            name: 'its service account',
            identity: {
              subject: `system:serviceaccount:bulk-${i}:app`,
              serviceAccountUid: serviceAccountUid(`bulk-${i}`, 'app'),
            },
            claims: { padding },
            expect: 'match',
          },
        ],
      }),
    );
    const body = JSON.stringify({ policies });
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const version = await catalogVersion();
    const started = performance.now();
    const applied = await apply({ policies });
    const elapsed = performance.now() - started;
    expect(applied.status, JSON.stringify(applied.body).slice(0, 2000)).toBe(200);
    expect((applied.body as unknown as Applied).created).toHaveLength(400);
    expect(await catalogVersion()).toBe(version + 1);
    expect(elapsed).toBeLessThan(20_000);
    expect((await exchange('bulk-399')).status).toBe(200);
    const updatedAll = await apply({ policies: policies.map((p) => ({ ...p, scopes: ['bulk'] })) });
    expect((updatedAll.body as unknown as Applied).updated).toHaveLength(400);
    expect(await catalogVersion()).toBe(version + 2);
    const [update] = await changesOf('bulk-7');
    expect(update).toMatchObject({ action: 'update', version: 2 });
  });
});
