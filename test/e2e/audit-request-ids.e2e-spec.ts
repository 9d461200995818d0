import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, TestClock, formOf, startBroker, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';

const clock = new TestClock(new Date('2026-12-01T10:00:00Z'));
const BROKER_AUDIENCE = 'https://broker.test/token';
const API = 'https://api.payments.example';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface AuditEvent {
  requestId: string;
  outcome: string;
  subject: string | null;
  issuedSubject: string | null;
  tokenId: string | null;
}

describe('audit events: request ids, issued subjects and filters', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock, audience: BROKER_AUDIENCE });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
    const writes: [string, Record<string, unknown>][] = [
      ['/admin/v1/platforms', { name: 'cluster', kind: 'kubernetes', issuer: cluster.issuer }],
      [
        '/admin/v1/policies',
        {
          name: 'payments-deployer',
          platform: 'cluster',
          condition: "identity.namespace == 'payments'",
          subject: "'k8s:' + identity.namespace + ':' + identity.serviceAccount",
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

  const deployer = () => cluster.mint({ namespace: 'payments', serviceAccount: 'deployer' });

  async function events(query: string): Promise<AuditEvent[]> {
    const response = await broker.admin('GET', `/admin/v1/audit-events?${query}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: AuditEvent[] }).items;
  }

  function tokenRequest(assertion: string, headers: Record<string, string> = {}) {
    return fetch(`${broker.url}/token`, {
      method: 'POST',
      headers,
      body: formOf({ grant_type: JWT_BEARER, assertion }),
    });
  }

  it('adopts a printable X-Request-Id as the request id, answers with it and audits under it', async () => {
    const id = 'edge-7; trace=4bf92f3577b34da6';
    const response = await tokenRequest(await deployer(), { 'X-Request-Id': id });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe(id);
    expect(await events(`requestId=${encodeURIComponent(id)}`)).toEqual([
      expect.objectContaining({ requestId: id, outcome: 'issued' }),
    ]);
  });

  it.each([
    ['longer than 128 characters', 'x'.repeat(129)],
    ['holding a control character', 'a\tb'],
  ])('ignores an X-Request-Id %s and answers with a fresh one', async (_name, id) => {
    const response = await tokenRequest('not.a.jwt', { 'X-Request-Id': id });
    const answered = response.headers.get('x-request-id') ?? '';
    expect(answered).toMatch(UUID);
    expect(await events(`requestId=${answered}`)).toHaveLength(1);
  });

  it.each([
    ['a refused /token', () => tokenRequest('x', {})],
    ['GET /token (405)', () => fetch(`${broker.url}/token`)],
    [
      'a /token body over 64 KiB (413)',
      () => fetch(`${broker.url}/token`, { method: 'POST', body: formOf({ assertion: 'x'.repeat(70_000) }) }),
    ],
    ['an unknown route (404)', () => fetch(`${broker.url}/nowhere`)],
    ['/healthz', () => fetch(`${broker.url}/healthz`)],
    ['/jwks', () => fetch(`${broker.url}/jwks`)],
    ['an admin read', () => broker.admin('GET', '/admin/v1/platforms')],
    ['an admin call without a credential (401)', () => fetch(`${broker.url}/admin/v1/platforms`)],
    [
      'an admin body that is not JSON (400)',
      () =>
        fetch(`${broker.url}/admin/v1/platforms`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: '{',
        }),
    ],
  ])('answers %s with an X-Request-Id', async (_name, send) => {
    const response = await send();
    expect(response.headers.get('x-request-id')).toMatch(UUID);
  });

  it("stores the issued token's subject beside the credential's, found by the issued token's id", async () => {
    const response = await tokenRequest(await deployer());
    const { access_token: accessToken } = (await response.json()) as { access_token: string };
    const { jti, sub } = decodeJwt(accessToken);
    expect(await events(`tokenId=${jti}`)).toEqual([
      expect.objectContaining({
        outcome: 'issued',
        tokenId: jti,
        issuedSubject: sub,
        subject: 'system:serviceaccount:payments:deployer',
      }),
    ]);
    expect(sub).toBe('k8s:payments:deployer');
  });

  it.each([
    ['a date as from keeps that whole day', 'from=2026-12-01', true],
    ['a date as to keeps that whole day', 'to=2026-12-01', true],
    ['a later date as from', 'from=2026-12-02', false],
    ['an earlier date as to (exclusive: the day before)', 'to=2026-11-30', false],
    ['RFC 3339 bounds around the event', 'from=2026-12-01T09:59:00Z&to=2026-12-01T10:00:01%2B00:00', true],
    ['an RFC 3339 to at the event (exclusive)', 'to=2026-12-01T10:00:00Z', false],
  ])('filters from/to: %s', async (_name, bounds, found) => {
    const id = `bounds-${Math.random().toString(36).slice(2)}`;
    await tokenRequest('not.a.jwt', { 'X-Request-Id': id });
    expect(await events(`requestId=${id}&${bounds}`)).toHaveLength(found ? 1 : 0);
  });

  it.each([
    ['from', 'from=yesterday'],
    ['to', 'to=2026-12-01T10:00:00'],
  ])('refuses a %s that is neither a date nor an RFC 3339 time (400 naming it)', async (field, query) => {
    const response = await broker.admin('GET', `/admin/v1/audit-events?${query}`);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toEqual([field]);
  });
});
