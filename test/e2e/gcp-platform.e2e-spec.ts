import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, TestClock, type Broker } from '../support/broker-harness';
import { fetchIdentityToken, startFakeGcp, type FakeGcp } from '../support/fake-gcp';
import { JWT_BEARER, TOKEN_EXCHANGE } from '../support/oauth-urns';

const BROKER_AUDIENCE = 'https://broker.test/token';
const API = 'https://api.payments.example';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';

/** A NumericDate as refusals name it: `2026-01-01T00:00:00Z (1767225600)`. */
function isoSeconds(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')} (${seconds})`;
}

interface RealFixture {
  id: string;
  token: string;
  jwks: { keys: unknown[] };
  issuer: string;
  audience: string;
  now: number;
  claims: { sub: string; google: { compute_engine: { project_number: number } } };
}

const realToken = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'real', 'gcp-gce-identity-full-2021.json'), 'utf8'),
) as RealFixture;

interface AuditEvent {
  requestId: string;
  outcome: string;
  error?: string;
  reason?: string;
  platform?: string;
  subject?: string;
  policy?: string;
}

describe('Google Cloud platforms through /token', () => {
  const clock = new TestClock(new Date('2026-03-02T09:30:00Z'));
  let broker: Broker;
  let google: FakeGcp;

  beforeAll(async () => {
    google = await startFakeGcp({ now: clock.now });
    broker = await startBroker({}, clock);
    const platform = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'google',
      kind: 'gcp',
      issuer: google.issuer,
      audiences: [BROKER_AUDIENCE],
    });
    expect(platform.status).toBe(201);
    expect(((await platform.json()) as { keys: unknown }).keys).toMatchObject({ ok: true, keyCount: 2 });
    const policy = await broker.admin('POST', '/admin/v1/policies', {
      name: 'payments-workers',
      platform: 'google',
      condition: `identity.projectNumber == '${google.instance.projectNumber}' && identity.serviceAccountId == '${google.serviceAccount.id}'`,
      subject: "'gcp:' + identity.projectNumber + ':' + identity.serviceAccountId",
      audiences: [API],
      scopes: ['payments.read'],
      ttlSeconds: 600,
      claims: { instance: 'identity.instanceId', zone: 'identity.zone' },
    });
    expect(policy.status).toBe(201);
  });

  afterAll(async () => {
    await broker.close();
    await google.close();
  });

  const mint = (options: Parameters<FakeGcp['mint']>[0] = {}) =>
    google.mint({ audience: BROKER_AUDIENCE, ...options });

  /** The audit event of one `/token` answer, found by its request id. */
  async function eventOf(response: Response): Promise<AuditEvent | undefined> {
    const requestId = response.headers.get('x-request-id');
    const page = await broker.admin('GET', '/admin/v1/audit-events?limit=100');
    return ((await page.json()) as { items: AuditEvent[] }).items.find((e) => e.requestId === requestId);
  }

  it("exchanges the metadata server's identity token (RFC 8693) for an access token", async () => {
    const subjectToken = await fetchIdentityToken(google, BROKER_AUDIENCE, {
      format: 'full',
      licenses: true,
    });
    const response = await broker.token({
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: ID_TOKEN_TYPE,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string; expires_in: number; scope: string };
    expect(body).toMatchObject({ expires_in: 600, scope: 'payments.read' });
    const { payload } = await jwtVerify(
      body.access_token,
      createRemoteJWKSet(new URL(`${broker.url}/jwks`)),
      {
        issuer: 'https://broker.test',
        audience: API,
        typ: 'at+jwt',
        currentDate: clock.now(),
      },
    );
    expect(payload).toMatchObject({
      sub: `gcp:${google.instance.projectNumber}:${google.serviceAccount.id}`,
      client_id: google.serviceAccount.id,
      instance: google.instance.instanceId,
      zone: google.instance.zone,
    });
    expect(await eventOf(response)).toMatchObject({
      platform: 'google',
      subject: google.serviceAccount.id,
      policy: 'payments-workers',
    });
    expect(google.requests).toEqual({ discovery: 1, certs: 1, identity: 1 });
  });

  type Refusal = [name: string, token: () => Promise<string>, description: RegExp, reason: RegExp];
  const refusals: Refusal[] = [
    [
      'a format=standard token, which names no email',
      () => fetchIdentityToken(google, BROKER_AUDIENCE),
      /lacks a required claim/,
      /^the "email" claim is missing: request the identity token with format=full$/,
    ],
    [
      'a Google user ID token from the same issuer and keys',
      () => google.mintUserIdToken(BROKER_AUDIENCE),
      /^the credential has an invalid claim: "email"$/,
      /does not name a service account: Google user ID tokens are not accepted/,
    ],
    [
      'an unverified email',
      () => mint({ email_verified: false }),
      /^the credential has an invalid claim: "email"$/,
      /not verified/,
    ],
    [
      'a token for another audience',
      () => mint({ audience: 'https://payments-abc123-ew.a.run.app' }),
      /^the credential audience is not accepted: aud \["https:\/\/payments-abc123-ew\.a\.run\.app"\] names none of the accepted audiences \["https:\/\/broker\.test\/token"\]$/,
      /^the audience is not accepted: aud \["https:\/\/payments-abc123-ew\.a\.run\.app"\] names none/,
    ],
    ['a token living over an hour', () => mint({ lifetimeSeconds: 7200 }), /lifetime/, /lifetime exceeds/],
    [
      'the scheme-less issuer accounts.google.com',
      () => mint({ iss: 'accounts.google.com' }),
      /^the credential issuer is not trusted$/,
      /^no registered platform issued the credential: none answers to \["iss accounts\.google\.com", /,
    ],
    [
      'a Cloud Run token (no instance) under a policy on projectNumber, which it does not carry',
      () => mint({ instance: null }),
      /no trust policy matched/,
      /payments-workers: ruled out \(identity\.projectNumber is absent\)/,
    ],
  ];

  it.each(refusals)('refuses %s', async (_name, token, description, reason) => {
    const response = await broker.token({ grant_type: JWT_BEARER, assertion: await token() });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_grant');
    expect(body.error_description).toMatch(description);
    const event = await eventOf(response);
    expect(event?.error).toBe('credential_rejected');
    expect(event?.reason).toMatch(reason);
  });

  it('refuses an expired token under the grant of token exchange (400 invalid_request)', async () => {
    const token = await mint();
    clock.advance(3600 + 61);
    const response = await broker.token({
      grant_type: TOKEN_EXCHANGE,
      subject_token: token,
      subject_token_type: ID_TOKEN_TYPE,
    });
    expect(response.status).toBe(400);
    const expired = `exp ${isoSeconds(decodeJwt(token).exp ?? 0)} is not after now ${clock.now().toISOString().replace('.000Z', 'Z')} (clock skew 60 s)`;
    expect(await response.json()).toMatchObject({
      error: 'invalid_request',
      error_description: `the credential has expired: ${expired}`,
    });
    expect(await eventOf(response)).toMatchObject({
      error: 'credential_rejected',
      reason: `the token has expired: ${expired}`,
      platform: 'google',
    });
  });

  it('refuses a token signed by a key Google does not publish', async () => {
    const forger = await startFakeGcp({ now: clock.now });
    try {
      const forged = await forger.mint({ audience: BROKER_AUDIENCE, iss: google.issuer });
      const response = await broker.token({ grant_type: JWT_BEARER, assertion: forged });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: 'invalid_grant',
        error_description: 'the credential signing key is unknown',
      });
      expect(await eventOf(response)).toMatchObject({
        error: 'credential_rejected',
        reason: `no key of the platform matches the token: kid "${decodeProtectedHeader(forged).kid}" (alg "RS256")`,
      });
    } finally {
      await forger.close();
    }
  });

  it("answers 503 temporarily_unavailable while Google's keys cannot be fetched", async () => {
    const outage = await startFakeGcp({ now: clock.now });
    outage.keysDown = true;
    try {
      const created = await broker.admin('POST', '/admin/v1/platforms', {
        name: 'google-outage',
        kind: 'gcp',
        issuer: outage.issuer,
        audiences: [BROKER_AUDIENCE],
      });
      expect(created.status).toBe(201);
      expect(((await created.json()) as { keys: unknown }).keys).toMatchObject({ ok: false });
      const token = await outage.mint({ audience: BROKER_AUDIENCE });
      const response = await broker.token({ grant_type: JWT_BEARER, assertion: token });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: string }).error).toBe('temporarily_unavailable');
      expect(await eventOf(response)).toMatchObject({
        error: 'platform_unavailable',
        reason: expect.stringMatching(
          /^the platform's keys are unavailable: oidc-discovery http:\/\/127\.0\.0\.1:\d+.*: HTTP 503$/,
        ) as unknown,
        platform: 'google-outage',
      });
    } finally {
      await broker.admin('DELETE', '/admin/v1/platforms/google-outage', undefined, { 'If-Match': '"1"' });
      await outage.close();
    }
  });

  it.each([
    ['another Google Cloud platform', 'gcp'],
    ['a Kubernetes platform keyed by discovery', 'kubernetes'],
  ])('refuses %s with the same issuer (409), naming the platform it collides with', async (_name, kind) => {
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'google-again',
      kind,
      issuer: google.issuer,
      audiences: [BROKER_AUDIENCE],
    });
    expect(response.status).toBe(409);
    const problem = (await response.json()) as { detail: string; errors: unknown[] };
    expect(problem.detail).toBe(
      `platform google already answers to iss ${google.issuer}: the broker could not tell the two apart`,
    );
    expect(problem.errors).toEqual([{ field: 'issuer', message: 'conflicts with platform google' }]);
  });

  it('refuses a Kubernetes platform on the same issuer even with inline keys of their own key id (409)', async () => {
    const jwks = {
      keys: [
        {
          kty: 'EC',
          crv: 'P-256',
          kid: 'cluster-key',
          x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
          y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
        },
      ],
    };
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'lookalike-cluster',
      kind: 'kubernetes',
      issuer: google.issuer,
      jwks,
      audiences: [BROKER_AUDIENCE],
    });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { detail: string }).detail).toBe(
      `platform google already answers to the issuer ${google.issuer}: the broker could not tell the two apart`,
    );
  });

  it("explains a decision on the kind's fields without issuing", async () => {
    const response = await broker.admin('POST', '/admin/v1/explain', {
      token: await mint(),
      audience: API,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      platform: { name: 'google', kind: 'gcp', issuer: google.issuer },
      identity: {
        serviceAccountId: google.serviceAccount.id,
        serviceAccountEmail: google.serviceAccount.email,
        projectId: google.instance.projectId,
        projectNumber: String(google.instance.projectNumber),
        instanceId: google.instance.instanceId,
        instanceName: google.instance.instanceName,
        zone: google.instance.zone,
      },
      decision: {
        outcome: 'issue',
        policy: 'payments-workers',
        subject: `gcp:${google.instance.projectNumber}:${google.serviceAccount.id}`,
      },
    });
  });

  it('accepts the real 2021 Compute Engine token at its own clock, under a policy on its IDs', async () => {
    const { claims } = realToken;
    const writes: [string, Record<string, unknown>][] = [
      [
        '/admin/v1/platforms',
        {
          name: 'google-real',
          kind: 'gcp',
          issuer: realToken.issuer,
          jwks: realToken.jwks,
          audiences: [realToken.audience],
        },
      ],
      [
        '/admin/v1/policies',
        {
          name: 'real-instance',
          platform: 'google-real',
          condition: `identity.projectNumber == '${claims.google.compute_engine.project_number}' && identity.serviceAccountId == '${claims.sub}'`,
          audiences: [API],
        },
      ],
    ];
    for (const [path, body] of writes) expect((await broker.admin('POST', path, body)).status).toBe(201);
    const saved = clock.now();
    clock.set(new Date(realToken.now * 1000));
    try {
      const response = await broker.token({ grant_type: JWT_BEARER, assertion: realToken.token });
      expect(response.status).toBe(200);
      expect(await eventOf(response)).toMatchObject({
        platform: 'google-real',
        subject: claims.sub,
        policy: 'real-instance',
      });
    } finally {
      clock.set(saved);
    }
  });
});
