import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock, startBroker, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';

/** The broker's clock, which the fake clusters mint at too. */
const clock = new TestClock();

const BROKER_AUDIENCE = 'https://broker.test/token';

interface RealFixture {
  id: string;
  platform: string;
  format: string;
  token: string;
  jwks: { keys: unknown[] };
  issuer: string;
  audience: string | string[] | null;
  now: number;
  expect: 'accept' | 'reject';
}

const fixtureDir = join(__dirname, '..', 'fixtures', 'real');
const kubernetesFixtures = readdirSync(fixtureDir)
  .filter((f) => f.startsWith('kubernetes-'))
  .map((f) => JSON.parse(readFileSync(join(fixtureDir, f), 'utf8')) as RealFixture);

async function grant(broker: Broker, assertion: string) {
  const response = await broker.token({ grant_type: JWT_BEARER, assertion });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** A policy `<platform>-any` granting every workload of `platform` a token for `https://api.example`. */
async function allowAny(broker: Broker, platform: string): Promise<void> {
  await broker.admin('POST', '/admin/v1/policies', {
    name: `${platform}-any`,
    platform,
    condition: 'true',
    audiences: ['https://api.example'],
  });
}

describe('Kubernetes platforms through /token', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
    const created = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'discovered',
      kind: 'kubernetes',
      issuer: cluster.issuer,
      audiences: [BROKER_AUDIENCE],
      clockSkewSeconds: 30,
    });
    expect(((await created.json()) as { keys: unknown }).keys).toMatchObject({ ok: true, keyCount: 1 });
    await broker.admin('POST', '/admin/v1/policies', {
      name: 'any-workload',
      platform: 'discovered',
      condition: 'true',
      audiences: ['https://api.example'],
    });
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  const mint = (overrides: Parameters<FakeKubernetesIssuer['mint']>[0] = {}) =>
    cluster.mint({
      namespace: 'apps',
      serviceAccount: 'api',
      aud: [BROKER_AUDIENCE],
      now: broker.clock.now(),
      ...overrides,
    });

  it('finds the keys by OIDC discovery and accepts a projected token', async () => {
    const { status } = await grant(broker, await mint());
    expect(status).toBe(200);
    expect(cluster.requests.discovery).toBeGreaterThan(0);
  });

  it.each([
    ['expired', -7200, { lifetimeSeconds: 3600 }, /expired/, 'expired'],
    ['issued in the future', 3600, {}, /not yet valid/, 'not yet valid'],
    ['for another audience', 0, { aud: ['https://elsewhere.example'] }, /audience/, 'audience'],
    ['living longer than the cap', 0, { lifetimeSeconds: 400 * 86_400 }, /lifetime/, 'lifetime'],
  ])(
    'refuses a token %s, audited with its reason',
    async (_name, offsetSeconds, overrides, description, reason) => {
      const now = new Date(broker.clock.now().getTime() + offsetSeconds * 1000);
      const response = await broker.token({
        grant_type: JWT_BEARER,
        assertion: await mint({ now, ...overrides }),
      });
      const body = (await response.json()) as { error: string; error_description: string };
      expect(response.status).toBe(400);
      expect(body.error).toBe('invalid_grant');
      expect(body.error_description).toMatch(description);
      const audit = (await (await broker.admin('GET', '/admin/v1/audit-events?limit=1')).json()) as {
        items: { error: string; reason: string; platform: string }[];
      };
      expect(audit.items[0]).toMatchObject({ error: 'credential_rejected', platform: 'discovered' });
      expect(audit.items[0]?.reason).toContain(reason);
    },
  );

  it('issues <platform>:<sub> when the policy maps no subject, so clusters never share a subject', async () => {
    const response = await broker.token({ grant_type: JWT_BEARER, assertion: await mint() });
    const { access_token: accessToken } = (await response.json()) as { access_token: string };
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as {
      sub: string;
      client_id: string;
    };
    expect(claims.sub).toBe('discovered:system:serviceaccount:apps:api');
    expect(claims.client_id).toBe('system:serviceaccount:apps:api');
  });

  it.each([
    ["identity.namespce == 'apps'", "a kubernetes identity has no field 'namespce'"],
    ['identity.namespace', 'must evaluate to a bool, not string'],
    ['has(identity.repositoryId)', "a kubernetes identity has no field 'repositoryId'"],
  ])('refuses at save a policy whose condition %s does not fit the kind', async (condition, message) => {
    const response = await broker.admin('POST', '/admin/v1/policies', {
      name: 'mistyped',
      platform: 'discovered',
      condition,
      audiences: ['https://api.example'],
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { field: string; message: string }[] };
    expect(problem.errors).toEqual([
      { field: 'condition', message: expect.stringContaining(message) as unknown },
    ]);
    expect(problem.errors[0]?.message).toContain(condition);
  });

  it('refuses a token from an issuer no platform registers', async () => {
    const stranger = await startFakeKubernetesIssuer({ clock });
    try {
      const { body } = await grant(broker, await stranger.mint({ aud: [BROKER_AUDIENCE] }));
      expect(body.error_description).toMatch(/issuer is not trusted/);
    } finally {
      await stranger.close();
    }
  });

  it('follows a key rotation: an unknown kid triggers one refetch', async () => {
    await grant(broker, await mint());
    broker.clock.advance(60);
    const before = cluster.requests.jwks;
    await cluster.rotateKey();
    const { status } = await grant(broker, await mint());
    expect(status).toBe(200);
    expect(cluster.requests.jwks).toBe(before + 1);
  });

  it('does not refetch for every token signed by an unknown key', async () => {
    const forger = await startFakeKubernetesIssuer({ clock });
    try {
      const forged = await forger.mint({ iss: cluster.issuer, aud: [BROKER_AUDIENCE] });
      await grant(broker, forged);
      const after = cluster.requests.jwks;
      for (let i = 0; i < 5; i += 1) {
        const { body } = await grant(broker, forged);
        expect(body.error_description).toBe('the credential signing key is unknown');
      }
      expect(cluster.requests.jwks).toBe(after);
    } finally {
      await forger.close();
    }
  });
});

describe('real Kubernetes tokens, decided at their own fixed clock', () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker();
  });

  afterAll(async () => {
    await broker.close();
  });

  it.each(kubernetesFixtures)('$id → $expect', async (fixture) => {
    broker.clock.set(new Date(fixture.now * 1000));
    const audiences = fixture.audience === null ? [BROKER_AUDIENCE] : [fixture.audience].flat();
    const platform = {
      name: 'real',
      kind: 'kubernetes',
      issuer: fixture.issuer,
      jwks: fixture.jwks,
      audiences,
    };
    expect((await broker.admin('POST', '/admin/v1/platforms', platform)).status).toBe(201);
    await allowAny(broker, 'real');
    try {
      const { status } = await grant(broker, fixture.token);
      expect(status === 200 ? 'accept' : 'reject').toBe(fixture.expect);
    } finally {
      await broker.admin('DELETE', '/admin/v1/policies/real-any', undefined, { 'if-match': '*' });
      await broker.admin('DELETE', '/admin/v1/platforms/real', undefined, { 'if-match': '*' });
    }
  });
});

describe('Kubernetes clusters that share one issuer string', () => {
  const SHARED_ISSUER = 'https://kubernetes.default.svc.cluster.local';
  let broker: Broker;
  let east: FakeKubernetesIssuer;
  let west: FakeKubernetesIssuer;

  const inlineKeys = async (cluster: FakeKubernetesIssuer) => await (await fetch(cluster.jwksUri)).json();
  const register = (name: string, jwks: unknown) =>
    broker.admin('POST', '/admin/v1/platforms', { name, kind: 'kubernetes', issuer: SHARED_ISSUER, jwks });
  const mintFrom = (cluster: FakeKubernetesIssuer) =>
    cluster.mint({
      iss: SHARED_ISSUER,
      namespace: 'apps',
      serviceAccount: 'api',
      aud: [BROKER_AUDIENCE],
      now: broker.clock.now(),
    });

  beforeAll(async () => {
    [east, west] = await Promise.all([
      startFakeKubernetesIssuer({ clock }),
      startFakeKubernetesIssuer({ clock }),
    ]);
    broker = await startBroker({}, clock);
    for (const [name, cluster] of [
      ['east', east],
      ['west', west],
    ] as const) {
      expect((await register(name, await inlineKeys(cluster))).status).toBe(201);
      await broker.admin('POST', '/admin/v1/policies', {
        name: `${name}-api`,
        platform: name,
        condition: "identity.namespace == 'apps'",
        subject: `'${name}:' + identity.serviceAccount`,
        audiences: ['https://api.example'],
      });
    }
  });

  afterAll(async () => {
    await broker.close();
    await Promise.all([east.close(), west.close()]);
  });

  it.each([
    ['east', () => east],
    ['west', () => west],
  ])('routes a token of %s to its own platform by key id', async (name, cluster) => {
    const response = await broker.token({ grant_type: JWT_BEARER, assertion: await mintFrom(cluster()) });
    expect(response.status).toBe(200);
    const { access_token: accessToken } = (await response.json()) as { access_token: string };
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString()) as {
      sub: string;
    };
    expect(claims.sub).toBe(`${name}:api`);
  });

  it('refuses a third cluster with keys the broker could not tell apart (409 naming the platform)', async () => {
    const response = await register('east-copy', await inlineKeys(east));
    expect(response.status).toBe(409);
    expect(JSON.stringify(await response.json())).toContain('platform east');
  });

  const withoutKid = async (cluster: FakeKubernetesIssuer) => {
    const { keys } = (await inlineKeys(cluster)) as { keys: Record<string, unknown>[] };
    return { keys: keys.map(({ kid: _kid, ...key }) => key) };
  };
  const conflictOf = async (response: Response) => {
    expect(response.status).toBe(409);
    return (await response.json()) as {
      detail: string;
      conflicts: { resource: string; name: string }[];
      errors: { field: string; message: string }[];
    };
  };

  it.each([
    ['without a kid', async () => withoutKid(east)],
    [
      'under another kid',
      async () => {
        const { keys } = await withoutKid(east);
        return { keys: keys.map((key) => ({ ...key, kid: 'another-kid' })) };
      },
    ],
  ])("refuses a cluster holding another cluster's key %s (409 naming it, on jwks)", async (_name, jwks) => {
    const problem = await conflictOf(await register('east-lookalike', await jwks()));
    expect(problem.conflicts).toEqual([{ resource: 'platform', name: 'east' }]);
    expect(problem.errors).toEqual([{ field: 'jwks', message: 'conflicts with platform east' }]);
    expect(problem.detail).toMatch(/^platform east already holds key 0 of jwks too \(RFC 7638 thumbprint /);
  });

  it('refuses a key set without kid beside clusters told apart by key id (409 on jwks)', async () => {
    const third = await startFakeKubernetesIssuer({ clock });
    try {
      const problem = await conflictOf(await register('third', await withoutKid(third)));
      expect(problem.conflicts).toEqual([{ resource: 'platform', name: 'east' }]);
      expect(problem.errors).toEqual([{ field: 'jwks', message: 'conflicts with platform east' }]);
      expect(problem.detail).toContain('jwks has a key without kid');
    } finally {
      await third.close();
    }
  });

  it("refuses a replacement (PUT) or a bulk apply that takes another cluster's key", async () => {
    const { keys: westKeys } = (await inlineKeys(west)) as { keys: unknown[] };
    const { keys: eastKeys } = await withoutKid(east);
    const jwks = { keys: [...westKeys, ...eastKeys] };
    const put = await broker.admin(
      'PUT',
      '/admin/v1/platforms/west',
      { name: 'west', kind: 'kubernetes', issuer: SHARED_ISSUER, jwks },
      { 'if-match': '*' },
    );
    const problem = await conflictOf(put);
    expect(problem.conflicts).toEqual([{ resource: 'platform', name: 'east' }]);
    expect(problem.errors.map((e) => e.field)).toEqual(['jwks']);
    const applied = await broker.admin('POST', '/admin/v1/apply', {
      platforms: [{ name: 'west', kind: 'kubernetes', issuer: SHARED_ISSUER, jwks }],
    });
    expect(applied.status).toBe(400);
    expect(((await applied.json()) as { errors: { field: string; message: string }[] }).errors).toEqual([
      { field: 'platforms.0.jwks', message: expect.stringContaining('platform east') as unknown },
    ]);
  });

  it.each([
    ['whose key id neither cluster has', false, 'kid "'],
    ['without a key id', true, 'no kid'],
  ])(
    'refuses a token %s, without trying either: an unknown key, naming both clusters',
    async (_name, withoutKid, kid) => {
      const stranger = await startFakeKubernetesIssuer({ clock });
      try {
        const assertion = await stranger.mint({
          iss: SHARED_ISSUER,
          namespace: 'apps',
          serviceAccount: 'api',
          aud: [BROKER_AUDIENCE],
          now: broker.clock.now(),
          withoutKid,
        });
        const response = await broker.token({ grant_type: JWT_BEARER, assertion });
        expect(response.status).toBe(400);
        expect(await response.json()).toEqual({
          error: 'invalid_grant',
          error_description: 'the credential signing key is unknown',
        });
        const audit = (await (await broker.admin('GET', '/admin/v1/audit-events?limit=1')).json()) as {
          items: { error: string; reason: string; platform: string | null }[];
        };
        expect(audit.items[0]).toMatchObject({ error: 'credential_rejected', platform: null });
        const reason = audit.items[0]?.reason ?? '';
        expect(reason).toMatch(
          /^no key of the platforms of issuer "https:\/\/kubernetes\.default\.svc\.cluster\.local" matches the token: /,
        );
        expect(reason).toContain(kid);
        expect(reason).toContain('east, west');
        const report = (await (
          await broker.admin('POST', '/admin/v1/explain', { token: assertion })
        ).json()) as {
          steps: { step: string; check?: string; detail: string }[];
        };
        expect(report.steps[0]).toMatchObject({ step: 'verify', check: 'key_not_found', detail: reason });
      } finally {
        await stranger.close();
      }
    },
  );
});

describe('a cluster registered with its inline keys, alone on its issuer', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;

  const mint = (options: { withoutKid?: boolean } = {}) =>
    cluster.mint({ namespace: 'apps', serviceAccount: 'api', aud: [BROKER_AUDIENCE], ...options });

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker({}, clock);
    const jwks = await (await fetch(cluster.jwksUri)).json();
    const created = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'inline',
      kind: 'kubernetes',
      issuer: cluster.issuer,
      jwks,
      audiences: [BROKER_AUDIENCE],
    });
    expect(created.status).toBe(201);
    await allowAny(broker, 'inline');
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  it('verifies a token without kid against its keys', async () => {
    const response = await broker.token({
      grant_type: JWT_BEARER,
      assertion: await mint({ withoutKid: true }),
    });
    expect(response.status).toBe(200);
  });

  it('refuses a token of a rotated key as an unknown key of that platform, the same at /token, in the audit and in explain', async () => {
    await cluster.rotateKey({ dropPrevious: true });
    const assertion = await mint();
    const response = await broker.token({ grant_type: JWT_BEARER, assertion });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'the credential signing key is unknown',
    });
    const audit = (await (await broker.admin('GET', '/admin/v1/audit-events?limit=1')).json()) as {
      items: { error: string; reason: string; platform: string | null }[];
    };
    const { kid } = decodeProtectedHeader(assertion);
    const reason = `no key of the platform matches the token: kid "${kid}" (alg "RS256")`;
    expect(audit.items[0]).toMatchObject({ error: 'credential_rejected', platform: 'inline', reason });
    const report = (await (await broker.admin('POST', '/admin/v1/explain', { token: assertion })).json()) as {
      platform: { name: string } | null;
      steps: { step: string; check?: string; detail: string }[];
    };
    expect(report.platform?.name).toBe('inline');
    expect(report.steps[0]).toMatchObject({ step: 'verify', check: 'key_not_found', detail: reason });
  });
});

describe('a platform whose key set holds a key too weak to use', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker({}, clock);
    const published = (await (await fetch(cluster.jwksUri)).json()) as { keys: Record<string, unknown>[] };
    const weakened = published.keys.map((key) => ({
      ...key,
      n: Buffer.alloc(128, 0xc5).toString('base64url'),
    }));
    const server = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'weak',
      kind: 'kubernetes',
      issuer: cluster.issuer,
      audiences: [BROKER_AUDIENCE],
    });
    expect(server.status).toBe(201);
    // The inline check refuses weak keys at write time; a remote set can still serve one later.
    await broker.runtime.dataSource.query(
      `UPDATE platforms SET jwks = $1, version = version + 1 WHERE name = 'weak'`,
      [JSON.stringify({ keys: weakened })],
    );
    await broker.runtime.catalog.reload();
    await allowAny(broker, 'weak');
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  it('refuses its tokens as a bad credential (400, audited), never a 500', async () => {
    const assertion = await cluster.mint({
      namespace: 'apps',
      serviceAccount: 'api',
      aud: [BROKER_AUDIENCE],
    });
    const response = await broker.token({ grant_type: JWT_BEARER, assertion });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
    const audit = (await (await broker.admin('GET', '/admin/v1/audit-events?limit=1')).json()) as {
      items: { error: string; platform: string }[];
    };
    expect(audit.items[0]).toMatchObject({ error: 'credential_rejected', platform: 'weak' });
  });
});

describe('the per-platform rate limit', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker(
      { FEDBROKER_ALLOW_HTTP_ISSUERS: 'true', FEDBROKER_RATE_LIMIT_PER_PLATFORM: '2' },
      clock,
    );
    await broker.admin('POST', '/admin/v1/platforms', {
      name: 'limited',
      kind: 'kubernetes',
      issuer: cluster.issuer,
      audiences: [BROKER_AUDIENCE],
    });
    await allowAny(broker, 'limited');
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  it('answers 429 with Retry-After once a platform spends its allowance, and audits it', async () => {
    const assertion = await cluster.mint({
      namespace: 'apps',
      serviceAccount: 'api',
      aud: [BROKER_AUDIENCE],
    });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i += 1) {
      last = await broker.token({ grant_type: JWT_BEARER, assertion });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await last?.json()) as { error: string }).error).toBe('temporarily_unavailable');
    const audit = (await (await broker.admin('GET', '/admin/v1/audit-events?limit=1')).json()) as {
      items: { error: string; platform: string }[];
    };
    expect(audit.items[0]).toMatchObject({ error: 'rate_limited', platform: 'limited' });
  });

  it('is not spent by explain', async () => {
    const token = await cluster.mint({ namespace: 'apps', serviceAccount: 'api', aud: [BROKER_AUDIENCE] });
    const report = (await (await broker.admin('POST', '/admin/v1/explain', { token })).json()) as {
      steps: { step: string }[];
    };
    expect(report.steps.map((s) => s.step)).not.toContain('limit-platform');
  });
});
