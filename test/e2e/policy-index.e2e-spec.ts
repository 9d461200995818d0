import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, TestClock, startBroker, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';

const clock = new TestClock(new Date('2031-03-01T12:00:00Z'));
const API = 'https://api.example';
const AUDIENCE = 'https://broker.test/token';
const TEAMS = 3_000;
/** A reason is at most 4 KiB. */
const MAX_REASON_BYTES = 4_096;

type Json = Record<string, unknown>;
interface AuditEvent {
  outcome: string;
  policy: string | null;
  reason: string | null;
}

/** One policy per namespace `team-<i>`, at priorities 0 to 6, so the winner ranks anywhere. */
function teamPolicy(i: number): Json {
  return {
    name: `team-${String(i).padStart(4, '0')}`,
    platform: 'cluster',
    condition: `identity.namespace == 'team-${i}' && identity.serviceAccount == 'app'`,
    audiences: [API],
    priority: i % 7,
    claims: { team: `'team-${i}'` },
  };
}

describe(`/token with ${TEAMS} policies on one platform, through the policy index`, () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock, audience: AUDIENCE });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
    const policies: Json[] = Array.from({ length: TEAMS }, (_, i) => teamPolicy(i));
    policies.push(
      {
        name: 'override',
        platform: 'cluster',
        condition: "identity.namespace in ['team-1500', 'team-2999'] && identity.serviceAccount == 'app'",
        audiences: [API],
        priority: 100,
      },
      {
        name: 'disabled-42',
        platform: 'cluster',
        condition: "identity.namespace == 'team-42'",
        audiences: [API],
        priority: 200,
        enabled: false,
      },
      {
        name: 'shadow-7',
        platform: 'cluster',
        condition: "identity.namespace == 'team-7'",
        audiences: [API],
        priority: 300,
        mode: 'audit',
      },
      {
        name: 'open',
        platform: 'cluster',
        condition: "identity.namespace.startsWith('open-')",
        audiences: [API],
        priority: -10,
      },
    );
    const response = await fetch(`${broker.url}/admin/v1/apply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        platforms: [{ name: 'cluster', kind: 'kubernetes', issuer: cluster.issuer, audiences: [AUDIENCE] }],
        policies,
      }),
    });
    expect(response.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  async function exchange(namespace: string): Promise<{ status: number; body: Json; event: AuditEvent }> {
    const response = await broker.token({
      grant_type: JWT_BEARER,
      assertion: await cluster.mint({ namespace, serviceAccount: 'app' }),
    });
    const requestId = response.headers.get('x-request-id') ?? '';
    const page = (await (
      await broker.admin('GET', `/admin/v1/audit-events?requestId=${encodeURIComponent(requestId)}`)
    ).json()) as { items: AuditEvent[] };
    expect(page.items).toHaveLength(1);
    return {
      status: response.status,
      body: (await response.json()) as Json,
      event: page.items[0] as AuditEvent,
    };
  }

  function claimsOf(body: Json): Json {
    const [, payload = ''] = String(body.access_token).split('.');
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Json;
  }

  it.each([
    ['team-0', 'team-0000', 'team-0'],
    ['team-6', 'team-0006', 'team-6'],
    ['team-2998', 'team-2998', 'team-2998'],
    ['team-1499', 'team-1499', 'team-1499'],
  ])('grants %s the policy pinned to it, wherever it ranks', async (namespace, policy, team) => {
    const { status, body, event } = await exchange(namespace);
    expect(status).toBe(200);
    expect(event).toMatchObject({ outcome: 'issued', policy });
    expect(claimsOf(body)).toMatchObject({ team, sub: `cluster:system:serviceaccount:${namespace}:app` });
  });

  it('lets a higher-ranked policy pinned with in take a namespace from the one pinned with ==', async () => {
    expect((await exchange('team-1500')).event).toMatchObject({ outcome: 'issued', policy: 'override' });
    expect((await exchange('team-2999')).event).toMatchObject({ outcome: 'issued', policy: 'override' });
  });

  it('never grants with a disabled policy, however high it ranks', async () => {
    expect((await exchange('team-42')).event).toMatchObject({ outcome: 'issued', policy: 'team-0042' });
  });

  it('grants through a policy the index cannot place (no pin)', async () => {
    expect((await exchange('open-payments')).event).toMatchObject({ outcome: 'issued', policy: 'open' });
  });

  it('records the audit-mode policy verdict whether the index keeps or rules it out', async () => {
    expect((await exchange('team-7')).event).toMatchObject({
      outcome: 'issued',
      policy: 'team-0007',
      reason: 'audit-mode: shadow-7=would_grant (subject cluster:system:serviceaccount:team-7:app)',
    });
    expect((await exchange('team-8')).event).toMatchObject({
      policy: 'team-0008',
      reason: 'audit-mode: shadow-7=no_match (condition is false)',
    });
  });

  it('denies a namespace no policy names with a bounded reason that counts the ruled-out policies', async () => {
    const { status, event } = await exchange('web');
    expect(status).toBe(400);
    expect(event.outcome).toBe('denied');
    const reason = event.reason ?? '';
    expect(reason).toMatch(
      new RegExp(
        `^no policy matched \\(1 evaluated: 1 not_matched; ${TEAMS + 2} ruled out by the index\\); ` +
          'open: not_matched \\(condition is false\\); disabled-42: ruled out \\(pins identity\\.namespace to other values\\); ' +
          'override: ruled out .*; team-0006: ruled out .*; team-0048: ruled out [^;]*; and 2993 more; ' +
          'audit-mode: shadow-7=no_match \\(condition is false\\)$',
      ),
    );
    expect(Buffer.byteLength(reason)).toBeLessThan(MAX_REASON_BYTES);
  });

  it('explains with every policy listed and ranked, as before the index', async () => {
    const explained = await broker.admin('POST', '/admin/v1/explain', {
      token: await cluster.mint({ namespace: 'team-3', serviceAccount: 'app' }),
      grantType: JWT_BEARER,
    });
    const report = (await explained.json()) as {
      policies: { policy: string; rank: number; result: string }[];
    } & Json;
    expect(report.policies).toHaveLength(TEAMS + 4);
    expect(report.policies.slice(0, 3).map((p) => p.policy)).toEqual(['shadow-7', 'disabled-42', 'override']);
    expect(report.policies.filter((p) => p.result === 'matched').map((p) => p.policy)).toEqual(['team-0003']);
    expect(report.decision).toMatchObject({ outcome: 'issue', policy: 'team-0003' });
  });
});
