import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formOf, startBroker, TestClock, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { CLIENT_ASSERTION, JWT_BEARER, JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';

const BROKER_AUDIENCE = 'https://broker.test/token';
const API = 'https://api.example';

interface Event {
  outcome: string;
  error: string | null;
  reason: string | null;
}

describe('one-time use of credentials (replay guard)', () => {
  const clock = new TestClock(new Date('2026-03-02T09:00:00Z'));
  let once: FakeKubernetesIssuer;
  let reusable: FakeKubernetesIssuer;
  let broker: Broker;
  let replica: Broker;

  beforeAll(async () => {
    once = await startFakeKubernetesIssuer({ clock, audience: BROKER_AUDIENCE });
    reusable = await startFakeKubernetesIssuer({ clock, audience: BROKER_AUDIENCE });
    broker = await startBroker({}, clock);
    const writes: [string, Record<string, unknown>][] = [
      ['/admin/v1/platforms', { name: 'once', kind: 'kubernetes', issuer: once.issuer, oneTimeUse: true }],
      ['/admin/v1/platforms', { name: 'reusable', kind: 'kubernetes', issuer: reusable.issuer }],
      ['/admin/v1/policies', policy('once-default', 'once', 'a')],
      ['/admin/v1/policies', { ...policy('once-overridden', 'once', 'b'), oneTimeUse: false }],
      ['/admin/v1/policies', policy('reuse-default', 'reusable', 'c')],
      ['/admin/v1/policies', { ...policy('reuse-once', 'reusable', 'd'), oneTimeUse: true }],
    ];
    for (const [path, body] of writes) {
      const response = await broker.admin('POST', path, body);
      if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    }
    replica = await startBroker({}, clock, broker.database);
  });

  afterAll(async () => {
    await replica?.close();
    await broker?.close();
    await Promise.all([once?.close(), reusable?.close()]);
  });

  function policy(name: string, platform: string, namespace: string): Record<string, unknown> {
    return { name, platform, condition: `identity.namespace == '${namespace}'`, audiences: [API] };
  }

  async function send(target: Broker, params: Record<string, string>) {
    const response = await fetch(`${target.url}/token`, { method: 'POST', body: formOf(params) });
    const body = (await response.json()) as Record<string, unknown>;
    const events = await broker.runtime.dataSource.query<Event[]>(
      'SELECT outcome, error, reason FROM audit_events WHERE request_id = $1',
      [response.headers.get('x-request-id')],
    );
    return { status: response.status, body, events };
  }

  const exchange = (token: string, target = broker) =>
    send(target, { grant_type: TOKEN_EXCHANGE, subject_token: token, subject_token_type: JWT_TYPE });

  it('shows and takes oneTimeUse on platforms (default false) and policies (absent unless set)', async () => {
    const platform = (await (await broker.admin('GET', '/admin/v1/platforms/reusable')).json()) as Record<
      string,
      unknown
    >;
    expect(platform.oneTimeUse).toBe(false);
    const overridden = (await (
      await broker.admin('GET', '/admin/v1/policies/once-overridden')
    ).json()) as Record<string, unknown>;
    expect(overridden.oneTimeUse).toBe(false);
    const inherits = (await (await broker.admin('GET', '/admin/v1/policies/once-default')).json()) as Record<
      string,
      unknown
    >;
    expect(inherits).not.toHaveProperty('oneTimeUse');
    const refused = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'bad',
      kind: 'kubernetes',
      issuer: 'https://bad.example',
      jwks: { keys: [] },
      oneTimeUse: 'yes',
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ errors: [{ field: 'oneTimeUse' }] });
  });

  it.each<[string, (token: string) => Record<string, string>, number, string]>([
    [
      'token exchange (RFC 8693 §2.2.2)',
      (t) => ({ grant_type: TOKEN_EXCHANGE, subject_token: t, subject_token_type: JWT_TYPE }),
      400,
      'invalid_request',
    ],
    [
      'the jwt-bearer grant (RFC 7523 §3.1)',
      (t) => ({ grant_type: JWT_BEARER, assertion: t }),
      400,
      'invalid_grant',
    ],
    [
      'a client assertion (RFC 7523 §3.2, jti one-time)',
      (t) => ({
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION,
        client_assertion: t,
      }),
      401,
      'invalid_client',
    ],
  ])(
    'refuses a credential of a one-time-use platform presented again through %s, audited as replayed',
    async (_name, params, status, error) => {
      const token = await once.mint({ namespace: 'a' });
      const first = await send(broker, params(token));
      expect(first.status, JSON.stringify(first)).toBe(200);
      expect(first.events).toMatchObject([{ outcome: 'issued' }]);
      const second = await send(broker, params(token));
      expect(second.status).toBe(status);
      expect(second.body).toMatchObject({ error, error_description: 'the credential has already been used' });
      expect(second.body).not.toHaveProperty('access_token');
      expect(second.events).toEqual([
        {
          outcome: 'denied',
          error: 'replayed',
          reason: expect.stringMatching(/already used.*replay key jti /) as string,
        },
      ]);
    },
  );

  it.each([
    [
      'a policy that turns it off on a one-time-use platform',
      () => once.mint({ namespace: 'b' }),
      [200, 200],
    ],
    ['a platform without it', () => reusable.mint({ namespace: 'c' }), [200, 200]],
    [
      'a policy that turns it on for a platform without it',
      () => reusable.mint({ namespace: 'd' }),
      [200, 400],
    ],
  ])('follows %s', async (_name, mint, statuses) => {
    const token = await mint();
    expect([(await exchange(token)).status, (await exchange(token)).status]).toEqual(statuses);
  });

  it('explains a used one-time credential as /token answers it, replayed, and takes nothing from a fresh one', async () => {
    const explain = async (token: string) =>
      (await (
        await broker.admin('POST', '/admin/v1/explain', { token, grantType: TOKEN_EXCHANGE })
      ).json()) as {
        steps: { step: string; ok: boolean }[];
        decision: { outcome: string; error?: string };
      };
    const token = await once.mint({ namespace: 'a' });
    expect((await explain(token)).decision.outcome).toBe('issue');
    expect((await exchange(token)).status).toBe(200);
    const used = await explain(token);
    expect(used.decision).toMatchObject({ outcome: 'deny', error: 'replayed' });
    expect(used.steps.at(-1)).toMatchObject({ step: 'replay', ok: false });
    expect((await exchange(token)).status).toBe(400);
    const reusableToken = await reusable.mint({ namespace: 'c' });
    expect((await exchange(reusableToken)).status).toBe(200);
    expect((await explain(reusableToken)).decision.outcome).toBe('issue');
  });

  it('keeps the key for a credential used on one replica from being used on another', async () => {
    const token = await once.mint({ namespace: 'a' });
    expect((await exchange(token, broker)).status).toBe(200);
    const elsewhere = await exchange(token, replica);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.events).toMatchObject([{ error: 'replayed' }]);
  });

  it('answers exactly one 200 to concurrent replays spread over two replicas on one database', async () => {
    const token = await once.mint({ namespace: 'a' });
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) => exchange(token, i % 2 === 0 ? broker : replica)),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(23);
    expect(answers.every((answer) => answer.events.length === 1)).toBe(true);
    expect(answers.filter((a) => a.events[0]?.error === 'replayed')).toHaveLength(23);
    const { jti } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      jti: string;
    };
    const guard = await broker.runtime.dataSource.query<{ expires_at: Date }[]>(
      'SELECT expires_at FROM replay_guard WHERE replay_key = $1',
      [`jti ${once.issuer} ${jti}`],
    );
    expect(guard).toHaveLength(1);
  });

  it('keeps a key until the credential expires plus the platform skew', async () => {
    const token = await once.mint({ namespace: 'a', lifetimeSeconds: 600 });
    expect((await exchange(token)).status).toBe(200);
    const { jti, exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      jti: string;
      exp: number;
    };
    const key = `jti ${once.issuer} ${jti}`;
    const [row] = await broker.runtime.dataSource.query<{ expires_at: Date }[]>(
      'SELECT expires_at FROM replay_guard WHERE replay_key = $1',
      [key],
    );
    expect(row?.expires_at).toEqual(new Date((exp + 60) * 1000));
  });
});
