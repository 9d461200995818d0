import { createRemoteJWKSet, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formOf, startBroker, TestClock, type Broker } from '../support/broker-harness';
import { startFakeSpiffe, type FakeSpiffe, type FakeSpiffeMintOptions } from '../support/fake-spiffe';
import { CLIENT_ASSERTION, JWT_BEARER, JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';
import { createTestCertificate, type TestCertificate } from '../support/test-certificate';

const BROKER_AUDIENCE = 'https://broker.test/token';
const API = 'https://api.payments.example';
const DEPLOYER = 'spiffe://example.org/ns/payments/sa/deployer';

interface AuditEvent {
  requestId: string;
  outcome: string;
  error: string | null;
  reason: string | null;
  platform: string | null;
  issuer: string | null;
  subject: string | null;
  policy: string | null;
}

interface Answer {
  status: number;
  body: Record<string, string>;
  event: AuditEvent | undefined;
}

/** POSTs `/token` and reads the audit event of that very request. */
async function tokenRequest(broker: Broker, params: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${broker.url}/token`, { method: 'POST', body: formOf(params) });
  const body = (await response.json()) as Record<string, string>;
  const requestId = response.headers.get('x-request-id');
  const events = await broker.admin('GET', '/admin/v1/audit-events?limit=20');
  const { items } = (await events.json()) as { items: AuditEvent[] };
  return { status: response.status, body, event: items.find((event) => event.requestId === requestId) };
}

const bearer = (broker: Broker, assertion: string) =>
  tokenRequest(broker, { grant_type: JWT_BEARER, assertion });

async function created(response: Response): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body;
}

describe('SPIFFE platforms through /token', () => {
  const clock = new TestClock(new Date('2026-03-02T09:00:00Z'));
  let tls: TestCertificate;
  let broker: Broker;
  let mesh: FakeSpiffe;
  let other: FakeSpiffe;

  beforeAll(async () => {
    tls = await createTestCertificate({ commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'] });
    const serve = { key: tls.keyPem, cert: tls.certPem };
    mesh = await startFakeSpiffe({ now: clock.now, tls: serve, audience: BROKER_AUDIENCE });
    other = await startFakeSpiffe({ now: clock.now, trustDomain: 'other.org', audience: BROKER_AUDIENCE });
    broker = await startBroker({}, clock);
    const platform = await created(
      await broker.admin('POST', '/admin/v1/platforms', {
        name: 'mesh',
        kind: 'spiffe',
        issuer: 'spiffe://example.org',
        caBundle: tls.certPem,
        audiences: [BROKER_AUDIENCE],
        settings: { trustDomain: 'example.org', bundleEndpointUrl: mesh.bundleEndpointUrl },
      }),
    );
    expect(platform.keys).toEqual({ ok: true, keyCount: 1 });
    await created(
      await broker.admin('POST', '/admin/v1/policies', {
        name: 'payments-deployer',
        platform: 'mesh',
        condition: "identity.trustDomain == 'example.org' && identity.path == '/ns/payments/sa/deployer'",
        subject: 'identity.spiffeId',
        audiences: [API],
        scopes: ['payments.read', 'payments.write'],
        ttlSeconds: 600,
        claims: { spiffe_path: 'identity.path' },
      }),
    );
  });

  afterAll(async () => {
    await broker.close();
    await Promise.all([mesh.close(), other.close()]);
  });

  const deployer = (overrides: FakeSpiffeMintOptions = {}) =>
    mesh.mint({ path: '/ns/payments/sa/deployer', ...overrides });

  it('exchanges a JWT-SVID (RFC 8693), its keys from the bundle endpoint over https, for an access token', async () => {
    const { status, body, event } = await tokenRequest(broker, {
      grant_type: TOKEN_EXCHANGE,
      subject_token: await deployer(),
      subject_token_type: JWT_TYPE,
      scope: 'payments.read',
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'payments.read' });
    const { payload, protectedHeader } = await jwtVerify(
      body.access_token!,
      createRemoteJWKSet(new URL(`${broker.url}/jwks`)),
      { issuer: 'https://broker.test', audience: API, typ: 'at+jwt', currentDate: clock.now() },
    );
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({
      sub: DEPLOYER,
      client_id: DEPLOYER,
      scope: 'payments.read',
      spiffe_path: '/ns/payments/sa/deployer',
    });
    expect(event).toMatchObject({
      outcome: 'issued',
      platform: 'mesh',
      issuer: 'spiffe://example.org',
      subject: DEPLOYER,
      policy: 'payments-deployer',
    });
    expect(mesh.bundleEndpointUrl).toMatch(/^https:/);
    expect(mesh.requests).toEqual({ bundle: 1, discovery: 0, keys: 0 });
  });

  type Refusal = [
    name: string,
    make: () => Promise<string>,
    status: number,
    error: string,
    auditError: string,
    reason: string,
  ];
  const refusals: Refusal[] = [
    [
      'a JWT-SVID of a trust domain no platform registers',
      () => other.mint(),
      400,
      'invalid_grant',
      'credential_rejected',
      'no registered platform issued the credential',
    ],
    [
      "a JWT-SVID of this trust domain signed with another domain's key",
      () => other.mint({ spiffeId: DEPLOYER }),
      400,
      'invalid_grant',
      'credential_rejected',
      'no key of the platform matches the token: kid "',
    ],
    [
      'a JWT-SVID for another audience',
      () => deployer({ aud: ['spiffe://example.org/db'] }),
      400,
      'invalid_grant',
      'credential_rejected',
      'the audience is not accepted: aud ["spiffe://example.org/db"] names none of the accepted audiences ["https://broker.test/token"]',
    ],
    [
      'an expired JWT-SVID',
      () => deployer({ at: new Date(clock.now().getTime() - 3_600_000) }),
      400,
      'invalid_grant',
      'credential_rejected',
      'the token has expired: exp ',
    ],
    [
      'a JWT-SVID living longer than 24 h',
      () => deployer({ lifetimeSeconds: 25 * 3600 }),
      400,
      'invalid_grant',
      'credential_rejected',
      "the token's lifetime exceeds the platform's limit: exp - iat is 90000 s, over the cap of 86400 s",
    ],
    [
      'a JWT-SVID typed as something else',
      () => deployer({ header: { typ: 'secevent+jwt' } }),
      400,
      'invalid_grant',
      'credential_rejected',
      'the JWT-SVID "typ" header must be JWT or JOSE',
    ],
    [
      'a JWT-SVID without kid',
      () => deployer({ header: { kid: undefined } }),
      400,
      'invalid_grant',
      'credential_rejected',
      'the JWT-SVID header has no "kid"',
    ],
    [
      'a JWT-SVID signed with EdDSA',
      async () => {
        const { privateKey } = await generateKeyPair('Ed25519');
        const iat = Math.floor(clock.now().getTime() / 1000);
        return new SignJWT({ sub: DEPLOYER, aud: [BROKER_AUDIENCE], iat, exp: iat + 300 })
          .setProtectedHeader({ alg: 'EdDSA', kid: 'ed', typ: 'JWT' })
          .sign(privateKey);
      },
      400,
      'invalid_grant',
      'credential_rejected',
      'the signing algorithm is not allowed: alg "EdDSA" is not one of ',
    ],
    [
      'a sub that is not a valid SPIFFE ID',
      () => deployer({ spiffeId: 'spiffe://example.org/ns//payments' }),
      400,
      'invalid_grant',
      'credential_rejected',
      'the "sub" claim is not a valid SPIFFE ID: the path cannot contain empty segments',
    ],
    [
      'a workload no policy names',
      () => mesh.mint({ path: '/ns/web/sa/frontend' }),
      400,
      'invalid_grant',
      'credential_rejected',
      'payments-deployer: ruled out (pins identity.path to other values)',
    ],
  ];

  it.each(refusals)('refuses %s', async (_name, make, status, error, auditError, reason) => {
    const answer = await bearer(broker, await make());
    expect(answer.status).toBe(status);
    expect(answer.body.error).toBe(error);
    expect(answer.event).toMatchObject({ outcome: 'denied', error: auditError });
    expect(answer.event?.reason).toContain(reason);
  });

  it.each([
    ['token exchange', TOKEN_EXCHANGE, 400, 'invalid_request'],
    ['a client assertion', 'client_credentials', 401, 'invalid_client'],
  ])('answers a refused JWT-SVID as %s does', async (_name, grantType, status, error) => {
    const token = await deployer({ aud: ['spiffe://example.org/db'] });
    const params: Record<string, string> =
      grantType === TOKEN_EXCHANGE
        ? { grant_type: grantType, subject_token: token, subject_token_type: JWT_TYPE }
        : { grant_type: grantType, client_assertion_type: CLIENT_ASSERTION, client_assertion: token };
    const answer = await tokenRequest(broker, params);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toBe(error);
    expect(answer.event).toMatchObject({
      error: 'credential_rejected',
      reason: expect.stringMatching(
        /^the audience is not accepted: aud \["spiffe:\/\/example\.org\/db"\]/,
      ) as unknown,
    });
  });

  it('follows a key rotation, and refreshes as the bundle hint says', async () => {
    await mesh.rotateKey({ dropPrevious: true });
    clock.advance(31);
    const before = mesh.requests.bundle;
    expect((await bearer(broker, await deployer())).status).toBe(200);
    expect(mesh.requests.bundle).toBe(before + 1);
    clock.advance(200);
    expect((await bearer(broker, await deployer())).status).toBe(200);
    expect(mesh.requests.bundle).toBe(before + 1);
    clock.advance(50);
    const refreshed = mesh.nextRequest('bundle');
    expect((await bearer(broker, await deployer())).status).toBe(200);
    await refreshed;
    expect(mesh.requests.bundle).toBe(before + 2);
  });

  it('accepts a static bundle pasted from the trust domain, SPIFFE members and all', async () => {
    const bundle = other.bundle();
    expect(bundle).toMatchObject({ spiffe_sequence: 1, spiffe_refresh_hint: 300 });
    const platform = await created(
      await broker.admin('POST', '/admin/v1/platforms', {
        name: 'other-static',
        kind: 'spiffe',
        issuer: 'spiffe://other.org',
        jwks: bundle,
        audiences: [BROKER_AUDIENCE],
        settings: { trustDomain: 'other.org', maxTokenLifetimeSeconds: 600 },
      }),
    );
    expect(platform.keys).toEqual({ ok: true, keyCount: 1 });
    await created(
      await broker.admin('POST', '/admin/v1/policies', {
        name: 'other-reporting',
        platform: 'other-static',
        condition: "identity.spiffeId == 'spiffe://other.org/reporting'",
        audiences: [API],
      }),
    );
    const before = other.requests.bundle;
    const accepted = await bearer(broker, await other.mint({ path: '/reporting' }));
    expect(accepted.status).toBe(200);
    expect(accepted.event).toMatchObject({
      platform: 'other-static',
      subject: 'spiffe://other.org/reporting',
    });
    const tooLong = await bearer(broker, await other.mint({ path: '/reporting', lifetimeSeconds: 900 }));
    expect(tooLong.event?.reason).toMatch(
      /^the token's lifetime exceeds the platform's limit: exp - iat is 900 s, over the cap of 600 s /,
    );
    expect(other.requests.bundle).toBe(before);
  });

  it('refuses a second platform for the same trust domain (409), naming the first', async () => {
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'mesh-static',
      kind: 'spiffe',
      issuer: 'spiffe://example.org',
      jwks: mesh.bundle(),
      audiences: [BROKER_AUDIENCE],
      settings: { trustDomain: 'example.org' },
    });
    expect(response.status).toBe(409);
    const problem = (await response.json()) as {
      detail: string;
      errors: { field: string; message: string }[];
    };
    expect(problem.detail).toContain('platform mesh already answers to spiffe example.org');
    expect(problem.errors).toEqual([
      { field: 'settings.trustDomain', message: 'conflicts with platform mesh' },
    ]);
  });

  it('explains a decision on the SPIFFE identity fields', async () => {
    const response = await broker.admin('POST', '/admin/v1/explain', {
      token: await deployer(),
      audience: API,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      platform: { name: 'mesh', kind: 'spiffe', issuer: 'spiffe://example.org' },
      identity: { spiffeId: DEPLOYER, trustDomain: 'example.org', path: '/ns/payments/sa/deployer' },
      policies: [{ policy: 'payments-deployer', result: 'matched' }],
      decision: { outcome: 'issue', policy: 'payments-deployer', subject: DEPLOYER, audience: [API] },
    });
  });

  it('answers 503 while a trust domain bundle cannot be fetched, and saves the platform', async () => {
    const down = await startFakeSpiffe({
      now: clock.now,
      trustDomain: 'down.example',
      audience: BROKER_AUDIENCE,
    });
    try {
      down.mode = 'down';
      const platform = await created(
        await broker.admin('POST', '/admin/v1/platforms', {
          name: 'down',
          kind: 'spiffe',
          issuer: 'spiffe://down.example',
          audiences: [BROKER_AUDIENCE],
          settings: { trustDomain: 'down.example', bundleEndpointUrl: down.bundleEndpointUrl },
        }),
      );
      expect(platform.keys).toMatchObject({ ok: false, keyCount: 0 });
      const answer = await bearer(broker, await down.mint());
      expect(answer.status).toBe(503);
      expect(answer.body.error).toBe('temporarily_unavailable');
      expect(answer.event).toMatchObject({
        error: 'platform_unavailable',
        platform: 'down',
        reason: expect.stringMatching(
          /^the platform's keys are unavailable: spiffe-bundle http:\/\/127\.0\.0\.1:\d+.*: HTTP 503$/,
        ) as unknown,
      });
    } finally {
      await down.close();
    }
  });

  describe('with an OIDC issuer (SPIRE OIDC Discovery Provider)', () => {
    let oidc: FakeSpiffe;

    beforeAll(async () => {
      const serve = { key: tls.keyPem, cert: tls.certPem };
      oidc = await startFakeSpiffe({
        now: clock.now,
        trustDomain: 'prod.example.net',
        tls: serve,
        jwtIssuer: true,
        audience: BROKER_AUDIENCE,
      });
      await created(
        await broker.admin('POST', '/admin/v1/platforms', {
          name: 'prod-oidc',
          kind: 'spiffe',
          issuer: oidc.issuer,
          caBundle: tls.certPem,
          audiences: [BROKER_AUDIENCE],
          settings: { trustDomain: 'prod.example.net' },
        }),
      );
      await created(
        await broker.admin('POST', '/admin/v1/policies', {
          name: 'prod-billing',
          platform: 'prod-oidc',
          condition: "identity.spiffeId == 'spiffe://prod.example.net/billing/api'",
          audiences: [API],
        }),
      );
    });

    afterAll(() => oidc.close());

    it('finds the keys by discovery and checks iss', async () => {
      const accepted = await bearer(broker, await oidc.mint({ path: '/billing/api' }));
      expect(accepted.status).toBe(200);
      expect(accepted.event).toMatchObject({ platform: 'prod-oidc', issuer: oidc.issuer });
      expect(oidc.requests).toMatchObject({ bundle: 0, discovery: 1, keys: 1 });
      const refused = await bearer(broker, await oidc.mint({ path: '/billing/api', iss: undefined }));
      expect(refused.status).toBe(400);
      expect(refused.event).toMatchObject({
        error: 'credential_rejected',
        reason: `the issuer is not trusted: the token has no "iss" claim; the platform's issuer is "${oidc.issuer}"`,
      });
    });
  });
});
