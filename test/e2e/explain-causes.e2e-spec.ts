import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock, startBroker, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';

const clock = new TestClock(new Date('2026-12-01T10:00:00Z'));
const BROKER_AUDIENCE = 'https://broker.test/token';
const API = 'https://api.payments.example';
const AWS4_REQUEST = 'urn:ietf:params:aws:token-type:aws4_request';

interface Presented {
  tokenType: string;
  header: Record<string, unknown> | null;
  claims: Record<string, unknown> | null;
}

interface Report {
  presented: Presented;
  steps: { step: string; ok: boolean; detail: string; check?: string; presented?: Presented }[];
  ranking: string;
  policies: {
    policy: string;
    result: string;
    reason?: string;
    rank: number;
    priority: number;
    falseConjunct?: { expression: string; position: number; of: number };
  }[];
  decision: { outcome: string; error?: string; reason?: string };
}

describe('POST /admin/v1/explain names the cause', () => {
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
          condition: "identity.namespace == 'payments' && identity.serviceAccount == 'deployer'",
          actorCondition: "actor.namespace == 'ci'",
          audiences: [API],
        },
      ],
      [
        '/admin/v1/policies',
        {
          name: 'billing',
          platform: 'cluster',
          condition: "identity.namespace == 'billing'",
          audiences: [API],
        },
      ],
      [
        '/admin/v1/policies',
        {
          name: 'break-glass',
          platform: 'cluster',
          condition:
            "identity.namespace == 'ops' && has(identity.podName) && identity.podName.startsWith('oncall-')",
          audiences: [API],
          priority: 10,
        },
      ],
    ];
    for (const [path, body] of writes) expect((await broker.admin('POST', path, body)).status).toBe(201);
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  async function explain(body: Record<string, unknown>): Promise<Report> {
    const response = await broker.admin('POST', '/admin/v1/explain', body);
    expect(response.status).toBe(200);
    return (await response.json()) as Report;
  }

  it('shows the unverified header and claims beside the failing check', async () => {
    const token = await cluster.mint({
      namespace: 'payments',
      serviceAccount: 'deployer',
      now: new Date('2026-12-01T08:00:00Z'),
    });
    const report = await explain({ token });
    const presented = {
      tokenType: JWT_TYPE,
      header: expect.objectContaining({ alg: 'RS256' }) as unknown,
      claims: decodeJwt(token),
    };
    expect(report.presented).toEqual(presented);
    expect(report.steps).toEqual([
      {
        step: 'verify',
        ok: false,
        check: 'expired',
        detail: expect.stringMatching(
          /^the token has expired: exp .* is not after now 2026-12-01T10:00:00Z/,
        ) as unknown,
        presented,
      },
    ]);
  });

  it('shows the actor credential beside the actor check, not the subject', async () => {
    const actorToken = await cluster.mint({
      namespace: 'ci',
      serviceAccount: 'pipeline',
      aud: 'https://elsewhere.example',
    });
    const report = await explain({
      token: await cluster.mint({ namespace: 'payments', serviceAccount: 'deployer' }),
      grantType: TOKEN_EXCHANGE,
      actorToken,
      actorTokenType: JWT_TYPE,
    });
    const failing = report.steps.at(-1);
    expect(failing).toMatchObject({ step: 'verify-actor', ok: false, check: 'audience_mismatch' });
    expect(failing?.presented?.claims).toEqual(decodeJwt(actorToken));
    expect(report.presented.claims).toMatchObject({ sub: 'system:serviceaccount:payments:deployer' });
  });

  it('refuses an actor token type without an actor token, as /token does (400 naming it)', async () => {
    const response = await broker.admin('POST', '/admin/v1/explain', {
      token: await cluster.mint({ namespace: 'payments', serviceAccount: 'deployer' }),
      grantType: TOKEN_EXCHANGE,
      actorTokenType: JWT_TYPE,
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toEqual(['actorTokenType']);
  });

  it.each([
    ['a JWT that does not decode', 'not.a.jwt', undefined, JWT_TYPE],
    [
      'a credential that is not a JWT',
      JSON.stringify({ method: 'POST', url: 'https://sts.amazonaws.com/' }),
      AWS4_REQUEST,
      AWS4_REQUEST,
    ],
  ])('shows the token type and no header or claims for %s', async (_name, token, tokenType, shownType) => {
    const report = await explain({ token, ...(tokenType === undefined ? {} : { tokenType }) });
    const presented = { tokenType: shownType, header: null, claims: null };
    expect(report.presented).toEqual(presented);
    expect(report.steps).toEqual([expect.objectContaining({ step: 'verify', ok: false, presented })]);
  });

  it('names the first false part of each condition, and ranks the policies by priority, then name', async () => {
    const report = await explain({
      token: await cluster.mint({ namespace: 'payments', serviceAccount: 'reader' }),
    });
    expect(report.ranking).toBe(
      'highest priority first, then by name ascending; the first matched policy in enforce mode grants, ' +
        'and disabled, expired and audit-mode policies never do',
    );
    expect(report.policies).toEqual([
      {
        policy: 'break-glass',
        result: 'not_matched',
        reason: 'condition is false',
        rank: 1,
        priority: 10,
        mode: 'enforce',
        falseConjunct: { expression: 'identity.namespace == "ops"', position: 1, of: 3 },
      },
      {
        policy: 'billing',
        result: 'not_matched',
        reason: 'condition is false',
        rank: 2,
        priority: 0,
        mode: 'enforce',
      },
      {
        policy: 'payments-deployer',
        result: 'not_matched',
        reason: 'condition is false',
        rank: 3,
        priority: 0,
        mode: 'enforce',
        falseConjunct: { expression: 'identity.serviceAccount == "deployer"', position: 2, of: 2 },
      },
    ]);
    expect(report.decision).toMatchObject({ outcome: 'deny', error: 'credential_rejected' });
  });
});
