import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, TestClock, formOf, startBroker, type Broker } from '../support/broker-harness';
import { captureLogs, type CapturedLogs } from '../support/captured-logs';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER, JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';

const clock = new TestClock();
const API = 'https://api.payments.example';
const KEY_ENCRYPTION_KEY = Buffer.alloc(32, 1).toString('base64');

describe('logs', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;
  let logs: CapturedLogs;
  /** What no log line may hold: the tokens presented and issued, the admin credential. */
  const secrets: string[] = [ADMIN_TOKEN, KEY_ENCRYPTION_KEY];

  const accessLine = (response: Response) => {
    const id = response.headers.get('x-request-id');
    const lines = logs.withMessage('request').filter((line) => line.requestId === id);
    expect(lines).toHaveLength(1);
    return lines[0]!;
  };

  beforeAll(async () => {
    logs = captureLogs();
    cluster = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker(
      { FEDBROKER_ALLOW_HTTP_ISSUERS: 'true', FEDBROKER_RATE_LIMIT_PER_CLIENT: '8' },
      clock,
      undefined,
      logs.logger,
    );
    const writes: [string, unknown][] = [
      ['/admin/v1/platforms', { name: 'cluster', kind: 'kubernetes', issuer: cluster.issuer }],
      [
        '/admin/v1/platforms',
        {
          name: 'unreachable',
          kind: 'kubernetes',
          issuer: 'https://unreachable.test',
          jwksUri: 'http://127.0.0.1:9/keys',
        },
      ],
      [
        '/admin/v1/policies',
        {
          name: 'payments',
          platform: 'cluster',
          condition: "identity.namespace == 'payments'",
          audiences: [API],
        },
      ],
    ];
    for (const [path, body] of writes) expect((await broker.admin('POST', path, body)).status).toBe(201);
  });

  afterAll(async () => {
    await cluster.close();
  });

  it('writes one access line per request, with its id, route, method, status and duration', async () => {
    const response = await fetch(`${broker.url}/admin/v1/platforms/cluster`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(accessLine(response)).toMatchObject({
      level: 'info',
      service: 'fedbroker',
      method: 'GET',
      route: '/admin/v1/platforms/:name',
      status: 200,
      clientIp: '127.0.0.1',
      durationMs: expect.any(Number) as unknown,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
  });

  it('says how a /token request ended: grant, platform, outcome, error', async () => {
    const subjectToken = await cluster.mint({ namespace: 'payments', aud: 'https://broker.test/token' });
    const issued = await broker.token({
      grant_type: TOKEN_EXCHANGE,
      subject_token: subjectToken,
      subject_token_type: JWT_TYPE,
    });
    expect(issued.status).toBe(200);
    secrets.push(subjectToken, ((await issued.json()) as { access_token: string }).access_token);
    expect(accessLine(issued)).toMatchObject({
      method: 'POST',
      route: '/token',
      status: 200,
      grant: 'token-exchange',
      platform: 'cluster',
      outcome: 'issued',
      error: null,
    });

    const stranger = await cluster.mint({ namespace: 'billing', aud: 'https://broker.test/token' });
    secrets.push(stranger);
    const denied = await broker.token({ grant_type: JWT_BEARER, assertion: stranger });
    expect(denied.status).toBe(400);
    expect(accessLine(denied)).toMatchObject({
      status: 400,
      grant: 'jwt-bearer',
      platform: 'cluster',
      outcome: 'denied',
      error: 'credential_rejected',
    });
  });

  it('logs a token sent in a query string by route, never by URL', async () => {
    const token = await cluster.mint({ namespace: 'payments', aud: 'https://broker.test/token' });
    secrets.push(token);
    const response = await fetch(
      `${broker.url}/token?${formOf({ grant_type: JWT_BEARER, assertion: token }).toString()}`,
    );
    expect(response.status).toBe(405);
    expect(accessLine(response)).toMatchObject({
      route: '/token',
      method: 'GET',
      status: 405,
      outcome: 'denied',
      error: 'method_not_allowed',
      grant: null,
      platform: null,
    });
  });

  it('says when a client is over its rate limit', async () => {
    const answers: Response[] = [];
    for (let i = 0; i < 10; i += 1)
      answers.push(await broker.token({ grant_type: JWT_BEARER, assertion: 'x' }));
    const limited = answers.find((answer) => answer.status === 429);
    expect(limited).toBeDefined();
    expect(accessLine(limited!)).toMatchObject({ status: 429, outcome: 'denied', error: 'rate_limited' });
  });

  it('reports catalog reloads with their size and duration', () => {
    const reloads = logs.withMessage('catalog reloaded');
    expect(reloads.at(-1)).toMatchObject({
      level: 'info',
      platforms: 2,
      policies: 1,
      version: expect.any(Number) as unknown,
      durationMs: expect.any(Number) as unknown,
    });
  });

  it('reports key fetches and their failures, naming the platform', () => {
    expect(logs.withMessage('fetched keys')).toContainEqual(
      expect.objectContaining({ level: 'info', platform: 'cluster', keyCount: 1 }),
    );
    expect(logs.withMessage('key fetch failed')).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        platform: 'unreachable',
        keySource: expect.stringContaining('http://127.0.0.1:9/keys') as unknown,
        error: expect.any(String) as unknown,
      }),
    );
  });

  it('reports a signing-key rotation', async () => {
    const rotated = await broker.admin('POST', '/admin/v1/signing-keys/rotate', { activateAfterSeconds: 60 });
    expect(rotated.status).toBe(201);
    const { kid } = (await rotated.json()) as { kid: string };
    expect(logs.withMessage('signing key rotated')).toEqual([
      expect.objectContaining({ level: 'info', kid, alg: 'ES256', actor: expect.any(String) as unknown }),
    ]);
  });

  it('reports the shutdown and the audit flush', async () => {
    await broker.close();
    const messages = logs.lines().map((line) => line.msg);
    const shutdown = messages.indexOf(
      'shutting down: finishing requests in flight, then flushing the audit log',
    );
    expect(shutdown).toBeGreaterThan(-1);
    expect(messages.indexOf('audit writer flushed')).toBeGreaterThan(shutdown);
  });

  it('never holds a token, a credential, a key or an Authorization header', () => {
    const text = logs.text();
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      const signature = secret.split('.')[2];
      if (signature) expect(text).not.toContain(signature);
    }
    expect(text.toLowerCase()).not.toContain('authorization');
    expect(text).not.toContain('Bearer');
  });
});
