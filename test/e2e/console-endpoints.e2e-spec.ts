import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock, startBroker, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';

const clock = new TestClock();

const policy = (overrides: Record<string, unknown> = {}) => ({
  name: 'payments-deployer',
  platform: 'cluster',
  condition: "identity.namespace == 'payments'",
  audiences: ['https://api.payments.example'],
  ...overrides,
});

interface Validation {
  valid: boolean;
  errors: { field: string; message: string }[];
  warnings: { code: string; field: string; message: string }[];
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

describe('the admin endpoints the console relies on', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;
  let auditor: string;

  const as = (credential: string, method: string, path: string, body?: unknown) =>
    fetch(`${broker.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${credential}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
    const created = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'cluster',
      kind: 'kubernetes',
      issuer: cluster.issuer,
    });
    expect(created.status).toBe(201);
    const issued = await broker.admin('POST', '/admin/v1/credentials', { name: 'reader', role: 'auditor' });
    auditor = (await json<{ credential: string }>(issued)).credential;
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  describe('GET /admin/v1/me', () => {
    it('names the bootstrap credential an admin', async () => {
      const response = await broker.admin('GET', '/admin/v1/me');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ actor: 'bootstrap', role: 'admin' });
    });

    it('names an auditor credential by its id and role', async () => {
      const listed = await json<{ items: { id: string; name: string }[] }>(
        await broker.admin('GET', '/admin/v1/credentials'),
      );
      const id = listed.items.find((c) => c.name === 'reader')?.id;
      expect(await json(await as(auditor, 'GET', '/admin/v1/me'))).toEqual({ actor: id, role: 'auditor' });
    });

    it('answers 401 to an unknown credential', async () => {
      expect((await as('not-a-credential-at-all', 'GET', '/admin/v1/me')).status).toBe(401);
    });
  });

  describe('POST /admin/v1/policies/validate', () => {
    it.each([
      ['a policy that would be accepted', policy(), []],
      [
        'a syntax error',
        policy({ condition: "identity.namespace == 'payments" }),
        [{ field: 'condition', message: expect.stringContaining('syntax error') as unknown }],
      ],
      [
        "a field the platform kind's identity does not have",
        policy({ condition: "identity.namespce == 'payments'" }),
        [{ field: 'condition', message: expect.stringContaining('namespce') as unknown }],
      ],
      [
        'an expression of the wrong type',
        policy({ subject: 'identity.namespace == "x"' }),
        [{ field: 'subject', message: expect.stringContaining('string') as unknown }],
      ],
      [
        'a reserved claim and a bad claim expression',
        policy({ claims: { sub: 'identity.namespace', ns: 'identity.nope' } }),
        [
          { field: 'claims.sub', message: expect.stringContaining('reserved') as unknown },
          { field: 'claims.ns', message: expect.stringContaining('nope') as unknown },
        ],
      ],
      [
        'a platform that does not exist',
        policy({ platform: 'nowhere' }),
        [{ field: 'platform', message: 'no platform named nowhere' }],
      ],
      [
        'a missing member, with the expressions compiled all the same',
        policy({ audiences: undefined, condition: 'identity.nope' }),
        [
          { field: 'audiences', message: expect.any(String) as unknown },
          { field: 'condition', message: expect.stringContaining('nope') as unknown },
        ],
      ],
      [
        'a body that is not an object',
        ['condition'],
        [{ field: '(body)', message: expect.any(String) as unknown }],
      ],
    ])('reports %s', async (_case, body, errors) => {
      const response = await broker.admin('POST', '/admin/v1/policies/validate', body);
      expect(response.status).toBe(200);
      const answer = await json<Validation>(response);
      expect(answer.valid).toBe(errors.length === 0);
      expect(answer.errors).toEqual(errors);
    });

    it('reports the warnings a save would answer with', async () => {
      const body = policy({ name: 'warned', ttlSeconds: 7200 });
      const check = await json<Validation>(await broker.admin('POST', '/admin/v1/policies/validate', body));
      expect(check.valid).toBe(true);
      expect(check.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['ttl_capped']));
      const saved = await broker.admin('POST', '/admin/v1/policies', body);
      expect(saved.status).toBe(201);
      expect(check.warnings).toEqual((await json<Validation>(saved)).warnings);
      expect(
        (await broker.admin('DELETE', '/admin/v1/policies/warned', undefined, { 'if-match': '*' })).status,
      ).toBe(204);
    });

    it("reports the policy's failing tests as a save would, without saving it", async () => {
      const body = policy({
        name: 'tested',
        condition: "identity.namespace == 'payments' && identity.serviceAccount == 'deployer'",
        tests: [
          {
            name: 'the deployer',
            identity: {
              subject: 'system:serviceaccount:payments:deployer',
              namespace: 'payments',
              serviceAccount: 'deployer',
            },
            expect: 'match',
          },
          {
            name: 'a stranger',
            identity: {
              subject: 'system:serviceaccount:payments:deployer',
              namespace: 'payments',
              serviceAccount: 'deployer',
            },
            expect: 'no_match',
          },
        ],
      });
      const check = await json<Validation>(await broker.admin('POST', '/admin/v1/policies/validate', body));
      const refused = await broker.admin('POST', '/admin/v1/policies', body);
      expect(refused.status).toBe(400);
      expect(check).toEqual({ valid: false, errors: (await json<Validation>(refused)).errors, warnings: [] });
      expect(check.errors).toEqual([
        { field: 'tests.1', message: expect.stringContaining('a stranger') as unknown },
      ]);
    });

    it('saves nothing and records no change', async () => {
      await broker.admin('POST', '/admin/v1/policies/validate', policy({ name: 'never-saved' }));
      expect((await broker.admin('GET', '/admin/v1/policies/never-saved')).status).toBe(404);
      const changes = await json<{ items: { resource: string }[] }>(
        await broker.admin('GET', '/admin/v1/changes?resource=policy&name=never-saved'),
      );
      expect(changes.items).toEqual([]);
    });

    it('reports what a create would refuse, for the same body', async () => {
      const body = policy({ name: 'compared', condition: 'identity.podNam == "x"', ttlSeconds: 0 });
      const check = await json<{ errors: unknown[] }>(
        await broker.admin('POST', '/admin/v1/policies/validate', body),
      );
      const refused = await broker.admin('POST', '/admin/v1/policies', body);
      expect(refused.status).toBe(400);
      const problem = await json<{ errors: unknown[] }>(refused);
      expect(check.errors).toEqual(expect.arrayContaining(problem.errors));
    });

    it('may be called by an auditor, since it writes nothing', async () => {
      const response = await as(auditor, 'POST', '/admin/v1/policies/validate', policy());
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ valid: true, errors: [] });
    });

    it('refuses a body that is not JSON like any admin write', async () => {
      const response = await fetch(`${broker.url}/admin/v1/policies/validate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${auditor}`, 'content-type': 'application/json' },
        body: '{"condition": ',
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    });
  });

  describe('GET /admin/v1/platforms/{name}/keys', () => {
    it('fetches the keys now and reports how many there are', async () => {
      await cluster.rotateKey();
      const response = await as(auditor, 'GET', '/admin/v1/platforms/cluster/keys');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true, keyCount: 2 });
    });

    it('reports keys that cannot be fetched, as a write reports them', async () => {
      const created = await broker.admin('POST', '/admin/v1/platforms', {
        name: 'unreachable',
        kind: 'kubernetes',
        issuer: 'http://127.0.0.1:9/unreachable',
      });
      const { keys } = await json<{ keys: unknown }>(created);
      const response = await broker.admin('GET', '/admin/v1/platforms/unreachable/keys');
      const status = await json<{ ok: boolean; keyCount: number; error: string }>(response);
      expect(status).toEqual({ ok: false, keyCount: 0, error: expect.any(String) as unknown });
      expect(status).toEqual(keys);
    });

    it('answers 404 for a platform that does not exist', async () => {
      const response = await broker.admin('GET', '/admin/v1/platforms/nowhere/keys');
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    });
  });
});
