import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock, startBroker, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';

const clock = new TestClock(new Date('2026-12-01T10:00:00Z'));
const BROKER_AUDIENCE = 'https://broker.test/token';
const API = 'https://api.payments.example';

interface AuditEvent {
  requestId: string;
  error: string | null;
  reason: string | null;
  platform: string | null;
  issuer: string | null;
  subject: string | null;
  unverified: { issuer: string | null; subject: string | null; tokenId: string | null } | null;
}

/** The refusal as the client got it, and as the audit event recorded it. */
async function refusal(broker: Broker, assertion: string) {
  const response = await broker.token({ grant_type: JWT_BEARER, assertion });
  const body = (await response.json()) as { error: string; error_description: string };
  const requestId = response.headers.get('x-request-id') ?? '';
  const page = (await (
    await broker.admin('GET', `/admin/v1/audit-events?requestId=${encodeURIComponent(requestId)}`)
  ).json()) as { items: AuditEvent[] };
  expect(page.items).toHaveLength(1);
  return { status: response.status, body, event: page.items[0] as AuditEvent };
}

/** A NumericDate as refusals name it. */
function shownTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')} (${seconds})`;
}

describe('refusals at /token name their cause', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock, audience: BROKER_AUDIENCE });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
    const writes: [string, Record<string, unknown>][] = [
      [
        '/admin/v1/platforms',
        {
          name: 'cluster',
          kind: 'kubernetes',
          issuer: cluster.issuer,
          audiences: [BROKER_AUDIENCE],
          clockSkewSeconds: 30,
        },
      ],
      [
        '/admin/v1/policies',
        {
          name: 'payments-deployer',
          platform: 'cluster',
          condition: "identity.namespace == 'payments' && identity.serviceAccount == 'deployer'",
          audiences: [API],
        },
      ],
    ];
    for (const [path, body] of writes) expect((await broker.admin('POST', path, body)).status).toBe(201);
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  const deployer = (overrides: Parameters<FakeKubernetesIssuer['mint']>[0] = {}) =>
    cluster.mint({ namespace: 'payments', serviceAccount: 'deployer', ...overrides });

  it("tells the client the token's audience and the accepted ones, and audits them", async () => {
    const { status, body, event } = await refusal(
      broker,
      await deployer({ aud: 'https://elsewhere.example' }),
    );
    const detail =
      'aud ["https://elsewhere.example"] names none of the accepted audiences ["https://broker.test/token"]';
    expect({ status, body }).toEqual({
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description: `the credential audience is not accepted: ${detail}`,
      },
    });
    expect(event).toMatchObject({
      error: 'credential_rejected',
      platform: 'cluster',
      reason: `the audience is not accepted: ${detail}`,
    });
  });

  it('tells the client the expired exp and the clock it was checked against', async () => {
    const token = await deployer({ now: new Date('2026-12-01T08:00:00Z'), lifetimeSeconds: 3600 });
    const { body, event } = await refusal(broker, token);
    const detail = `exp ${shownTime(decodeJwt(token).exp ?? 0)} is not after now 2026-12-01T10:00:00Z (clock skew 30 s)`;
    expect(body.error_description).toBe(`the credential has expired: ${detail}`);
    expect(event.reason).toBe(`the token has expired: ${detail}`);
  });

  it('tells the client the nbf that lies ahead of the clock', async () => {
    const token = await deployer({ now: new Date('2026-12-01T10:05:00Z') });
    const { body } = await refusal(broker, token);
    expect(body.error_description).toBe(
      `the credential is not yet valid: nbf ${shownTime(decodeJwt(token).nbf ?? 0)} is after now 2026-12-01T10:00:00Z (clock skew 30 s)`,
    );
  });

  it('tells the client the lifetime and the cap', async () => {
    const { body } = await refusal(broker, await deployer({ lifetimeSeconds: 400 * 86_400 }));
    expect(body.error_description).toMatch(
      /^the credential lifetime is too long: exp - iat is 34560000 s, over the cap of 31622400 s \(exp /,
    );
  });

  it('tells the client the name of a missing claim', async () => {
    const { body, event } = await refusal(broker, await deployer({ 'kubernetes.io': undefined }));
    expect(body.error_description).toBe('the credential lacks a required claim: "kubernetes.io"');
    expect(event.reason).toBe('the "kubernetes.io" claim is missing');
  });

  it('audits the unknown key id, and tells the client only that the signing key is unknown', async () => {
    const forger = await startFakeKubernetesIssuer({ clock, audience: BROKER_AUDIENCE });
    try {
      const forged = await forger.mint({
        iss: cluster.issuer,
        namespace: 'payments',
        serviceAccount: 'deployer',
      });
      const { kid } = decodeProtectedHeader(forged);
      const { body, event } = await refusal(broker, forged);
      expect(body.error_description).toBe('the credential signing key is unknown');
      expect(event.reason).toBe(`no key of the platform matches the token: kid "${kid}" (alg "RS256")`);
    } finally {
      await forger.close();
    }
  });

  it('records what an untrusted credential said of itself, marked unverified, and tells the client no more than the category', async () => {
    const stranger = await startFakeKubernetesIssuer({ clock, audience: BROKER_AUDIENCE });
    try {
      const token = await stranger.mint({ namespace: 'payments', serviceAccount: 'deployer' });
      const { body, event } = await refusal(broker, token);
      expect(body.error_description).toBe('the credential issuer is not trusted');
      expect(event).toMatchObject({
        error: 'credential_rejected',
        platform: null,
        issuer: null,
        subject: null,
        unverified: {
          issuer: stranger.issuer,
          subject: 'system:serviceaccount:payments:deployer',
          tokenId: decodeJwt(token).jti,
        },
      });
      expect(event.reason).toContain(`none answers to [`);
      expect(event.reason).toContain(`"iss ${stranger.issuer}"`);
    } finally {
      await stranger.close();
    }
  });

  it('records the unverified claims of a credential its own platform refuses, beside the platform', async () => {
    const token = await deployer({ aud: 'https://elsewhere.example' });
    const { event } = await refusal(broker, token);
    expect(event).toMatchObject({
      platform: 'cluster',
      issuer: cluster.issuer,
      subject: null,
      unverified: {
        issuer: cluster.issuer,
        subject: 'system:serviceaccount:payments:deployer',
        tokenId: decodeJwt(token).jti,
      },
    });
  });

  it('records nothing unverified for a credential that does not decode', async () => {
    const { body, event } = await refusal(broker, 'not.a.jwt');
    expect(body.error_description).toMatch(/^the credential is malformed: the JWS header is not /);
    expect(event).toMatchObject({ error: 'credential_rejected', unverified: null });
  });

  it('records nothing unverified once the credential is verified, even when no policy matches', async () => {
    const { event } = await refusal(
      broker,
      await cluster.mint({ namespace: 'web', serviceAccount: 'frontend' }),
    );
    expect(event).toMatchObject({
      subject: 'system:serviceaccount:web:frontend',
      unverified: null,
      reason:
        'no policy matched (0 evaluated; 1 ruled out by the index); ' +
        'payments-deployer: ruled out (pins identity.namespace to other values)',
    });
  });

  it('bounds a huge claim, in the reason and on the wire', async () => {
    const huge = `https://${'a'.repeat(5_000)}.example`;
    const { body, event } = await refusal(broker, await deployer({ aud: huge, jti: huge }));
    expect(body.error_description).toMatch(
      /^the credential audience is not accepted: aud \["https:\/\/a+…"\] names none/,
    );
    expect(body.error_description.length).toBeLessThan(512);
    expect(event.reason?.length).toBeLessThan(512);
    expect(event.unverified?.tokenId).toBe(`${huge.slice(0, 511)}…`);
  });

  it('keeps the hash chain intact across the added audit columns', async () => {
    const response = await broker.admin('GET', '/admin/v1/audit-events/verify');
    expect(await response.json()).toMatchObject({ ok: true, firstBroken: null });
  });
});

describe('a denial against many policies', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock, audience: BROKER_AUDIENCE });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
    const platform = {
      name: 'cluster',
      kind: 'kubernetes',
      issuer: cluster.issuer,
      audiences: [BROKER_AUDIENCE],
    };
    expect((await broker.admin('POST', '/admin/v1/platforms', platform)).status).toBe(201);
    for (let i = 0; i < 30; i += 1) {
      const policy = {
        name: `team-${String(i).padStart(2, '0')}`,
        platform: 'cluster',
        condition: `identity.namespace == 'team-${i}'`,
        audiences: [API],
        priority: i === 29 ? 5 : 0,
      };
      expect((await broker.admin('POST', '/admin/v1/policies', policy)).status).toBe(201);
    }
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  it('audits the tally, the first ten ranked policies and how many more, not every policy', async () => {
    const { event } = await refusal(broker, await cluster.mint({ namespace: 'web' }));
    const named = ['team-29', ...Array.from({ length: 9 }, (_, i) => `team-0${i}`)];
    expect(event.reason).toBe(
      `no policy matched (0 evaluated; 30 ruled out by the index); ${named.map((p) => `${p}: ruled out (pins identity.namespace to other values)`).join('; ')}; and 20 more`,
    );
  });
});
