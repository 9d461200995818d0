import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../support/broker-harness';

const PLATFORM = {
  name: 'prod-cluster',
  kind: 'kubernetes',
  issuer: 'https://kubernetes.default.svc.cluster.local',
  jwks: {
    keys: [
      {
        kty: 'EC',
        crv: 'P-256',
        kid: 'cluster-key-1',
        x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
        y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
      },
    ],
  },
  audiences: ['https://broker.test/token'],
};
const POLICY = {
  name: 'payments-deployer',
  platform: 'prod-cluster',
  condition: "identity.namespace == 'payments'",
  subject: "'k8s:' + identity.namespace",
  audiences: ['https://api.payments.example'],
  scopes: ['payments.read'],
  ttlSeconds: 900,
  claims: { ns: 'identity.namespace' },
};

type Json = Record<string, unknown>;

describe('admin API', () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker();
  });

  afterAll(async () => {
    await broker.close();
  });

  it.each([
    ['no credential', undefined],
    ['a wrong credential', 'Bearer not-the-admin-credential'],
    ['a non-bearer scheme', 'Basic YWRtaW46YWRtaW4='],
  ])('answers 401 problem+json to %s', async (_name, authorization) => {
    const response = await fetch(`${broker.url}/admin/v1/platforms`, {
      headers: authorization ? { authorization } : {},
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('creates, reads, updates and deletes a platform with versions and ETags', async () => {
    const created = await broker.admin('POST', '/admin/v1/platforms', PLATFORM);
    expect(created.status).toBe(201);
    const body = (await created.json()) as Json;
    expect(body).toMatchObject({
      ...PLATFORM,
      version: 1,
      clockSkewSeconds: 60,
      enabled: true,
      settings: {},
    });
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.headers.get('etag')).toBe('"1"');

    const read = await broker.admin('GET', '/admin/v1/platforms/prod-cluster');
    expect(read.headers.get('etag')).toBe('"1"');
    const listed = (await (await broker.admin('GET', '/admin/v1/platforms')).json()) as { items: Json[] };
    expect(listed.items).toHaveLength(1);

    const updated = await broker.admin(
      'PUT',
      '/admin/v1/platforms/prod-cluster',
      { ...PLATFORM, clockSkewSeconds: 10 },
      { 'if-match': '"1"' },
    );
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ clockSkewSeconds: 10, version: 2 });

    const stale = await broker.admin('PUT', '/admin/v1/platforms/prod-cluster', PLATFORM, {
      'if-match': '"1"',
    });
    expect(stale.status).toBe(412);
    const weak = await broker.admin('PUT', '/admin/v1/platforms/prod-cluster', PLATFORM, {
      'if-match': 'W/"2"',
    });
    expect(weak.status).toBe(412);

    expect(
      (
        await broker.admin('DELETE', '/admin/v1/platforms/prod-cluster', undefined, {
          'if-match': '"7", "2"',
        })
      ).status,
    ).toBe(204);
    expect((await broker.admin('GET', '/admin/v1/platforms/prod-cluster')).status).toBe(404);
  });

  it('refuses a second platform with the same name or issuer (409)', async () => {
    await broker.admin('POST', '/admin/v1/platforms', { ...PLATFORM, name: 'first' });
    const sameIssuer = await broker.admin('POST', '/admin/v1/platforms', { ...PLATFORM, name: 'second' });
    expect(sameIssuer.status).toBe(409);
    const sameName = await broker.admin('POST', '/admin/v1/platforms', {
      ...PLATFORM,
      name: 'first',
      issuer: 'https://other.example',
    });
    expect(sameName.status).toBe(409);
    await broker.admin('DELETE', '/admin/v1/platforms/first', undefined, { 'if-match': '*' });
  });

  it.each([
    ['an unknown kind', { kind: 'mainframe' }, 'kind'],
    ['a bad name', { name: 'Not Valid' }, 'name'],
    ['both jwks and jwksUri', { jwksUri: 'https://keys.example/jwks' }, 'jwksUri'],
    [
      'an http issuer without the lab switch',
      { issuer: 'http://cluster.example', jwks: undefined },
      'issuer',
    ],
    ['a negative clock skew', { clockSkewSeconds: -1 }, 'clockSkewSeconds'],
    ['an unknown setting', { settings: { surprise: true } }, 'settings'],
    ['an unknown field', { color: 'blue' }, '(body)'],
  ])('refuses a platform with %s (400 with field errors)', async (_name, change, field) => {
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      ...PLATFORM,
      name: 'bad',
      ...change,
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field).join(' ')).toContain(field);
    expect((await broker.admin('GET', '/admin/v1/platforms/bad')).status).toBe(404);
  });

  it.each([
    [
      'a metadata-service jwksUri',
      { jwksUri: 'https://169.254.169.254/latest/jwks', jwks: undefined },
      'jwksUri',
    ],
    [
      'an IPv4-mapped metadata address',
      { jwksUri: 'https://[::ffff:169.254.169.254]/jwks', jwks: undefined },
      'jwksUri',
    ],
    ['a private-network jwksUri', { jwksUri: 'https://10.0.0.1/openid/v1/jwks', jwks: undefined }, 'jwksUri'],
    ['a link-local issuer for discovery', { issuer: 'https://[fe80::1]', jwks: undefined }, 'issuer'],
  ])('refuses %s as a key source, fetching nothing (400)', async (_name, change, field) => {
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      ...PLATFORM,
      name: 'inward',
      ...change,
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { field: string; message: string }[] };
    expect(problem.errors).toEqual([
      { field, message: expect.stringContaining('key sources must be public') as unknown },
    ]);
  });

  it('accepts the non-URL issuer of older clusters when keys are inline', async () => {
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      ...PLATFORM,
      name: 'legacy-issuer',
      issuer: 'kubernetes/serviceaccount',
    });
    expect(response.status).toBe(201);
    await broker.admin('DELETE', '/admin/v1/platforms/legacy-issuer', undefined, { 'if-match': '*' });
  });

  it('saves a platform with an empty inline key set, and says its keys are missing', async () => {
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      ...PLATFORM,
      name: 'no-keys-yet',
      issuer: 'https://no-keys.example',
      jwks: { keys: [] },
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { keys: Json }).keys).toEqual({
      ok: false,
      keyCount: 0,
      error: 'the key set is empty',
    });
    await broker.admin('DELETE', '/admin/v1/platforms/no-keys-yet', undefined, { 'if-match': '*' });
  });

  it.each([
    ['a key of no curve or coordinates', { kty: 'EC' }],
    ['an EC key whose point is not on its curve', { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'BBBB' }],
    [
      'an OKP key for key agreement',
      { kty: 'OKP', crv: 'X25519', x: 'hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo' },
    ],
    ['a key whose alg is not a signature algorithm', { ...PLATFORM.jwks.keys[0], alg: 'ECDH-ES' }],
  ])('refuses inline keys that cannot verify a token: %s (400 naming the key)', async (_name, key) => {
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      ...PLATFORM,
      name: 'p4',
      issuer: 'https://k4.example',
      jwks: { keys: [PLATFORM.jwks.keys[0], key] },
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { field: string; message: string }[] };
    expect(problem.errors).toEqual([
      {
        field: 'jwks.keys.1',
        message: expect.stringMatching(/^cannot be used as a public key to verify signatures: /) as unknown,
      },
    ]);
    expect((await broker.admin('GET', '/admin/v1/platforms/p4')).status).toBe(404);
  });

  it('saves a platform whose keys cannot be fetched, and says so', async () => {
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      ...PLATFORM,
      name: 'unreachable',
      issuer: 'https://127.0.0.1:1',
      jwks: undefined,
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { keys: Json }).keys).toMatchObject({ ok: false });
    await broker.admin('DELETE', '/admin/v1/platforms/unreachable', undefined, { 'if-match': '*' });
  });

  describe('policies', () => {
    beforeAll(async () => {
      await broker.admin('POST', '/admin/v1/platforms', PLATFORM);
    });

    it('creates, reads, updates and deletes a policy', async () => {
      const created = await broker.admin('POST', '/admin/v1/policies', POLICY);
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ ...POLICY, priority: 0, enabled: true, version: 1 });
      const updated = await broker.admin(
        'PUT',
        '/admin/v1/policies/payments-deployer',
        { ...POLICY, priority: 5 },
        { 'if-match': '"1"' },
      );
      expect(await updated.json()).toMatchObject({ priority: 5, version: 2 });
      const listed = (await (
        await broker.admin('GET', '/admin/v1/policies?platform=prod-cluster')
      ).json()) as { items: Json[] };
      expect(listed.items.map((p) => p.name)).toEqual(['payments-deployer']);
      expect(
        (await broker.admin('DELETE', '/admin/v1/policies/payments-deployer', undefined, { 'if-match': '*' }))
          .status,
      ).toBe(204);
    });

    it('refuses a policy that does not compile, naming the expression and the error', async () => {
      const response = await broker.admin('POST', '/admin/v1/policies', {
        ...POLICY,
        name: 'broken',
        condition: "identity.namespace == 'payments' &&",
        claims: { ns: 'nonsense.variable' },
      });
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: { field: string; message: string }[] };
      const fields = problem.errors.map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['condition', 'claims.ns']));
      expect(problem.errors.find((e) => e.field === 'condition')?.message).toContain(
        "identity.namespace == 'payments' &&",
      );
      expect((await broker.admin('GET', '/admin/v1/policies/broken')).status).toBe(404);
    });

    it('stores an actorCondition, shows it, and clears it when a PUT leaves it out', async () => {
      const withActor = { ...POLICY, name: 'delegating', actorCondition: "actor.namespace == 'ci'" };
      const created = await broker.admin('POST', '/admin/v1/policies', withActor);
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ actorCondition: "actor.namespace == 'ci'" });
      const updated = await broker.admin(
        'PUT',
        '/admin/v1/policies/delegating',
        { ...POLICY, name: 'delegating' },
        { 'if-match': '"1"' },
      );
      expect(updated.status).toBe(200);
      expect(await updated.json()).not.toHaveProperty('actorCondition');
      await broker.admin('DELETE', '/admin/v1/policies/delegating', undefined, { 'if-match': '*' });
    });

    it('refuses an actorCondition that does not compile, naming the field', async () => {
      const response = await broker.admin('POST', '/admin/v1/policies', {
        ...POLICY,
        name: 'broken-actor',
        actorCondition: "actr.namespace == 'ci'",
      });
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: { field: string; message: string }[] };
      expect(problem.errors).toEqual([
        { field: 'actorCondition', message: expect.stringContaining("unknown variable 'actr'") as unknown },
      ]);
    });

    it('refuses an ambiguous platform filter instead of ignoring it', async () => {
      const response = await broker.admin('GET', '/admin/v1/policies?platform=a&platform=b');
      expect(response.status).toBe(400);
    });

    it('refuses a policy for an unknown platform', async () => {
      const response = await broker.admin('POST', '/admin/v1/policies', {
        ...POLICY,
        name: 'orphan',
        platform: 'nowhere',
      });
      expect(response.status).toBe(400);
    });

    it('refuses to delete a platform that policies still use (409)', async () => {
      await broker.admin('POST', '/admin/v1/policies', { ...POLICY, name: 'keeps-platform' });
      expect(
        (await broker.admin('DELETE', '/admin/v1/platforms/prod-cluster', undefined, { 'if-match': '*' }))
          .status,
      ).toBe(409);
      await broker.admin('DELETE', '/admin/v1/policies/keeps-platform', undefined, { 'if-match': '*' });
    });

    it('requires condition to be written out', async () => {
      const { condition: _omitted, ...withoutCondition } = POLICY;
      const response = await broker.admin('POST', '/admin/v1/policies', {
        ...withoutCondition,
        name: 'no-condition',
      });
      expect(response.status).toBe(400);
    });
  });

  describe('audit events', () => {
    it.each([
      ['outcome=maybe', 'outcome'],
      ['from=yesterday', 'from'],
      ['limit=0', 'limit'],
      ['cursor=%%%', 'cursor'],
    ])('refuses the filter %s with 400', async (query, field) => {
      const response = await broker.admin('GET', `/admin/v1/audit-events?${query}`);
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: { field: string }[] };
      expect(problem.errors.map((e) => e.field)).toContain(field);
    });

    it.each(['2026-02-30T00:00:00.000000Z', '0000-12-03T09:29:29.899000Z'])(
      'refuses a cursor made up at %s with 400',
      async (time) => {
        const cursor = Buffer.from(`${time}|0193a0b2-7c4e-7a10-8f00-1234567890ab`).toString('base64url');
        for (const path of ['/admin/v1/audit-events', '/admin/v1/changes']) {
          const response = await broker.admin('GET', `${path}?cursor=${cursor}`);
          expect(response.status, path).toBe(400);
        }
      },
    );

    it('says what a time filter takes when it refuses one', async () => {
      const response = await broker.admin('GET', '/admin/v1/audit-events?from=2026-12-03T09:00:00+01:00');
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: { field: string; message: string }[] };
      expect(problem.errors).toEqual([
        { field: 'from', message: expect.stringContaining('RFC 3339') as string },
      ]);
    });

    it.each([
      'to=9999-12-31',
      'from=0000-01-01',
      'to=0000-01-01T00:00:00Z',
      'from=0001-01-01T00:00:00%2B14:00',
      'from=2026-12-03t09:00:00z',
    ])(
      'answers the time filter %s, at the ends of RFC 3339 or in lower case, like any other',
      async (query) => {
        for (const path of ['/admin/v1/audit-events', '/admin/v1/changes']) {
          const response = await broker.admin('GET', `${path}?${query}`);
          expect(response.status, path).toBe(200);
        }
      },
    );
  });

  describe('signing keys', () => {
    it('rotates: the new key signs, the old one stays published', async () => {
      const before = (await (await fetch(`${broker.url}/jwks`)).json()) as { keys: { kid: string }[] };
      const rotated = await broker.admin('POST', '/admin/v1/signing-keys/rotate');
      expect(rotated.status).toBe(201);
      const { kid } = (await rotated.json()) as { kid: string };
      const after = (await (await fetch(`${broker.url}/jwks`)).json()) as { keys: { kid: string }[] };
      expect(after.keys.map((k) => k.kid)).toEqual(
        expect.arrayContaining([kid, ...before.keys.map((k) => k.kid)]),
      );
      const listed = (await (await broker.admin('GET', '/admin/v1/signing-keys')).json()) as {
        items: Json[];
      };
      expect(listed.items.filter((k) => k.status === 'current')).toHaveLength(1);
    });

    it.each([
      [{ activateAfterSeconds: -1 }, 'activateAfterSeconds'],
      [{ activateAfterSeconds: 86_401 }, 'activateAfterSeconds'],
      [{ activateAfterSeconds: '60' }, 'activateAfterSeconds'],
      [{ activateAfter: 60 }, '(body)'],
    ])('refuses the rotation body %j with 400', async (body, field) => {
      const response = await broker.admin('POST', '/admin/v1/signing-keys/rotate', body);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await response.json()) as { errors: { field: string }[] };
      expect(problem.errors.map((e) => e.field)).toContain(field);
    });

    it('publishes a key in /jwks before it signs, and refuses another rotation until it does', async () => {
      const rotated = await broker.admin('POST', '/admin/v1/signing-keys/rotate', {
        activateAfterSeconds: 600,
      });
      expect(rotated.status).toBe(201);
      const { kid, status } = (await rotated.json()) as { kid: string; status: string };
      expect(status).toBe('pending');
      const jwks = (await (await fetch(`${broker.url}/jwks`)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((k) => k.kid)).toContain(kid);
      expect(broker.runtime.signingKeys.current().kid).not.toBe(kid);

      const again = await broker.admin('POST', '/admin/v1/signing-keys/rotate');
      expect(again.status).toBe(409);
      expect(again.headers.get('content-type')).toContain('application/problem+json');

      broker.clock.advance(600);
      const listed = (await (await broker.admin('GET', '/admin/v1/signing-keys')).json()) as {
        items: Json[];
      };
      expect(listed.items.filter((k) => k.status === 'current')).toEqual([expect.objectContaining({ kid })]);
      expect(broker.runtime.signingKeys.current().kid).toBe(kid);
    });
  });
});
