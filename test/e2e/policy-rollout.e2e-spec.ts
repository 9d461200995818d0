import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, TestClock, startBroker, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';

const clock = new TestClock(new Date('2031-03-01T12:00:00Z'));
const API = 'https://api.example';
const AUDIENCE = 'https://broker.test/token';

type Json = Record<string, unknown>;
interface Warning {
  code: string;
  field: string;
  message: string;
  policy?: string;
}
interface AuditEvent {
  outcome: string;
  policy: string | null;
  reason: string | null;
}

describe('policy semantics: ranking, warnings, audit mode and expiry', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock, audience: AUDIENCE });
    broker = await startBroker(
      { FEDBROKER_ALLOW_HTTP_ISSUERS: 'true', FEDBROKER_MAX_TTL_SECONDS: '1800' },
      clock,
    );
    const platform = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'cluster',
      kind: 'kubernetes',
      issuer: cluster.issuer,
      audiences: [AUDIENCE],
    });
    expect(platform.status).toBe(201);
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  async function write(method: string, body: Json, name?: string): Promise<{ status: number; body: Json }> {
    const path = name === undefined ? '/admin/v1/policies' : `/admin/v1/policies/${name}`;
    const response = await broker.admin(method, path, body, name === undefined ? {} : { 'if-match': '*' });
    return { status: response.status, body: (await response.json()) as Json };
  }

  const policy = (name: string, overrides: Json = {}): Json => ({
    name,
    platform: 'cluster',
    condition: "identity.serviceAccountUid != ''",
    audiences: [API],
    ...overrides,
  });

  async function remove(...names: string[]): Promise<void> {
    for (const name of names)
      await broker.admin('DELETE', `/admin/v1/policies/${name}`, undefined, { 'if-match': '*' });
  }

  async function exchange(namespace: string, serviceAccount = 'deployer'): Promise<Response> {
    return broker.token({
      grant_type: JWT_BEARER,
      assertion: await cluster.mint({ namespace, serviceAccount }),
    });
  }

  async function lastEvent(): Promise<AuditEvent> {
    const page = (await (await broker.admin('GET', '/admin/v1/audit-events?limit=1')).json()) as {
      items: AuditEvent[];
    };
    const [event] = page.items;
    if (event === undefined) throw new Error('no audit event');
    return event;
  }

  describe('warnings', () => {
    it('answers a clean write with an empty list', async () => {
      const created = await write(
        'POST',
        policy('clean', { condition: "identity.serviceAccountUid == 'u-1'" }),
      );
      expect(created.status).toBe(201);
      expect(created.body.warnings).toEqual([]);
      await remove('clean');
    });

    it('warns that a TTL above FEDBROKER_MAX_TTL_SECONDS will be cut, and saves it as sent', async () => {
      const created = await write('POST', policy('long', { ttlSeconds: 7200 }));
      expect(created.status).toBe(201);
      expect(created.body.ttlSeconds).toBe(7200);
      expect(created.body.warnings).toEqual([
        {
          code: 'ttl_capped',
          field: 'ttlSeconds',
          message: expect.stringContaining('cut to 1800 s') as unknown,
        },
      ]);
      const granted = (await (await exchange('payments')).json()) as Json;
      expect(granted.expires_in).toBe(1800);
      await remove('long');
    });

    it.each([
      ["identity.namespace == 'payments'", true],
      ["identity.namespace == 'payments' && identity.serviceAccount == 'deployer'", true],
      ["identity.subject.startsWith('system:serviceaccount:payments:')", true],
      ["identity.namespace == 'payments' && identity.serviceAccountUid == 'u-1'", false],
      ["identity.serviceAccountUid in ['u-1', 'u-2']", false],
      ["identity.namespace == 'payments' || identity.serviceAccountUid == 'u-1'", true],
    ])('warns about a condition on mutable names (%s): %s', async (condition, warned) => {
      const created = await write('POST', policy('names', { condition }));
      expect(created.status).toBe(201);
      const warnings = created.body.warnings as Warning[];
      expect(warnings.some((w) => w.code === 'mutable_names' && w.field === 'condition')).toBe(warned);
      await remove('names');
    });

    it('warns that an expiresAt already past makes the policy match nothing', async () => {
      const created = await write('POST', policy('past', { expiresAt: '2031-03-01T11:00:00Z' }));
      expect(created.status).toBe(201);
      expect((created.body.warnings as Warning[]).map((w) => w.code)).toEqual(['already_expired']);
      await remove('past');
    });

    it('names the policy a new one takes exchanges from, and not the ones it cannot overlap', async () => {
      await write(
        'POST',
        policy('payments', {
          condition: "identity.namespace == 'payments' && identity.serviceAccountUid != ''",
        }),
      );
      await write(
        'POST',
        policy('billing', {
          condition: "identity.namespace == 'billing' && identity.serviceAccountUid != ''",
        }),
      );
      await write('POST', policy('audited', { mode: 'audit' }));
      await write('POST', policy('disabled', { enabled: false }));
      const broad = await write(
        'POST',
        policy('broad', { condition: "identity.namespace in ['payments', 'ops']", priority: 5 }),
      );
      const takeovers = (broad.body.warnings as Warning[]).filter((w) => w.code === 'takes_over');
      expect(takeovers).toEqual([
        {
          code: 'takes_over',
          field: 'priority',
          policy: 'payments',
          message: expect.stringContaining('outranks policy payments') as unknown,
        },
      ]);
      const same = await write(
        'PUT',
        policy('broad', { condition: "identity.namespace in ['payments', 'ops']", priority: 6 }),
        'broad',
      );
      expect((same.body.warnings as Warning[]).filter((w) => w.code === 'takes_over')).toEqual([]);
      const wider = await write('PUT', policy('broad', { condition: 'true', priority: 6 }), 'broad');
      expect(
        (wider.body.warnings as Warning[]).filter((w) => w.code === 'takes_over').map((w) => w.policy),
      ).toEqual(['billing']);
      const below = await write('POST', policy('aaa-first-by-name', { condition: 'true' }));
      expect(
        (below.body.warnings as Warning[]).filter((w) => w.code === 'takes_over').map((w) => w.policy),
      ).toEqual(['billing', 'payments']);
      await remove('payments', 'billing', 'audited', 'disabled', 'broad', 'aaa-first-by-name');
    });

    it('drops the warnings of a write answer sent back with PUT', async () => {
      const created = await write('POST', policy('round-trip', { ttlSeconds: 7200 }));
      const again = await write('PUT', created.body, 'round-trip');
      expect(again.status).toBe(200);
      expect(again.body.version).toBe(created.body.version);
      await remove('round-trip');
    });
  });

  describe('ranking in explain', () => {
    it('shows the rule, each policy with its priority and mode, ranked', async () => {
      await write('POST', policy('b-low', { priority: 0 }));
      await write('POST', policy('a-low', { priority: 0 }));
      await write(
        'POST',
        policy('z-high', {
          priority: 10,
          condition: "identity.namespace == 'nobody' && identity.serviceAccountUid != ''",
        }),
      );
      const explained = await broker.admin('POST', '/admin/v1/explain', {
        token: await cluster.mint({ namespace: 'payments', serviceAccount: 'deployer' }),
        grantType: JWT_BEARER,
      });
      const report = (await explained.json()) as Json;
      expect(report.ranking).toBe(
        'highest priority first, then by name ascending; the first matched policy in enforce mode grants, ' +
          'and disabled, expired and audit-mode policies never do',
      );
      expect(report.policies).toEqual([
        {
          policy: 'z-high',
          priority: 10,
          mode: 'enforce',
          result: 'not_matched',
          reason: 'condition is false',
          rank: 1,
          falseConjunct: { expression: 'identity.namespace == "nobody"', position: 1, of: 2 },
        },
        { policy: 'a-low', priority: 0, mode: 'enforce', result: 'matched', rank: 2 },
        { policy: 'b-low', priority: 0, mode: 'enforce', result: 'matched', rank: 3 },
      ]);
      expect(report.decision).toMatchObject({ outcome: 'issue', policy: 'a-low' });
      await remove('b-low', 'a-low', 'z-high');
    });
  });

  describe('audit mode', () => {
    it('grants nothing and records what the policy would have done in the audit event', async () => {
      const shadow = await write(
        'POST',
        policy('shadow', {
          mode: 'audit',
          condition: "identity.namespace == 'payments' && identity.serviceAccountUid != ''",
        }),
      );
      expect(shadow.status).toBe(201);
      expect(shadow.body.mode).toBe('audit');
      const denied = await exchange('payments');
      expect(denied.status).toBe(400);
      const refusal = await lastEvent();
      expect(refusal).toMatchObject({ outcome: 'denied', policy: null });
      expect(refusal.reason).toMatch(
        /^the platform has no policy in enforce mode; audit-mode: shadow=would_grant \(subject cluster:system:serviceaccount:payments:deployer\)$/,
      );

      await write('POST', policy('live', { priority: -1 }));
      expect((await exchange('payments')).status).toBe(200);
      expect(await lastEvent()).toMatchObject({
        outcome: 'issued',
        policy: 'live',
        reason: 'audit-mode: shadow=would_grant (subject cluster:system:serviceaccount:payments:deployer)',
      });
      expect((await exchange('billing')).status).toBe(200);
      expect((await lastEvent()).reason).toBe('audit-mode: shadow=no_match (condition is false)');

      const explained = await broker.admin('POST', '/admin/v1/explain', {
        token: await cluster.mint({ namespace: 'payments', serviceAccount: 'deployer' }),
        grantType: JWT_BEARER,
      });
      const report = (await explained.json()) as Json;
      expect(report.auditMode).toEqual([
        {
          policy: 'shadow',
          verdict: 'would_grant',
          reason: 'subject cluster:system:serviceaccount:payments:deployer',
        },
      ]);
      expect(report.decision).toMatchObject({ outcome: 'issue', policy: 'live' });
      await remove('shadow', 'live');
    });

    it('records an audit-mode verdict when a later step denies, too', async () => {
      await write('POST', policy('shadow', { mode: 'audit', priority: 1 }));
      await write('POST', policy('live'));
      const response = await broker.token({
        grant_type: JWT_BEARER,
        assertion: await cluster.mint({ namespace: 'payments' }),
        audience: 'https://elsewhere.example',
      });
      expect(response.status).toBe(400);
      expect((await lastEvent()).reason).toMatch(/; audit-mode: shadow=would_grant/);
      await remove('shadow', 'live');
    });
  });

  describe('expiresAt', () => {
    it('stops matching from expiresAt on, by the request clock, and explain shows it expired', async () => {
      const created = await write(
        'POST',
        policy('break-glass', { expiresAt: '2031-03-01T14:00:00+01:00', priority: 1 }),
      );
      expect(created.body.expiresAt).toBe('2031-03-01T13:00:00.000Z');
      await write(
        'POST',
        policy('fallback', {
          condition: "identity.namespace == 'nobody' && identity.serviceAccountUid != ''",
        }),
      );
      expect((await exchange('payments')).status).toBe(200);
      clock.advance(3600);
      expect((await exchange('payments')).status).toBe(400);
      const refusal = await lastEvent();
      expect(refusal.reason).toContain('break-glass: expired (expired at 2031-03-01T13:00:00.000Z)');
      const explained = await broker.admin('POST', '/admin/v1/explain', {
        token: await cluster.mint({ namespace: 'payments' }),
        grantType: JWT_BEARER,
      });
      const report = (await explained.json()) as { policies: Json[] };
      expect(report.policies[0]).toMatchObject({ policy: 'break-glass', result: 'expired' });
      const patched = await fetch(`${broker.url}/admin/v1/policies/break-glass`, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/merge-patch+json',
          'if-match': '*',
        },
        body: JSON.stringify({ expiresAt: null }),
      });
      expect(((await patched.json()) as Json).expiresAt).toBeUndefined();
      expect((await exchange('payments')).status).toBe(200);
      await remove('break-glass', 'fallback');
    });

    it.each(['2031-03-01', '2031-03-01T14:00:00', 'tomorrow'])(
      'refuses expiresAt %s (400)',
      async (expiresAt) => {
        const refused = await write('POST', policy('bad-expiry', { expiresAt }));
        expect(refused.status).toBe(400);
        expect(refused.body.errors).toEqual([
          { field: 'expiresAt', message: expect.stringContaining('RFC 3339') as unknown },
        ]);
      },
    );
  });
});
