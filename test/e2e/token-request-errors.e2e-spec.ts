import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock, formOf, startBroker, trustCluster, type Broker } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { CLIENT_ASSERTION, JWT_BEARER, JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';

/** The broker's clock, which the fake clusters mint at too. */
const clock = new TestClock();

const BROKER_AUDIENCE = 'https://broker.test/token';

describe('POST /token refuses malformed and disallowed requests', () => {
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;
  let token: string;

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
    await trustCluster(broker, cluster, {
      name: 'two-audiences',
      condition: "identity.namespace == 'apps'",
      audiences: ['https://a.example', 'https://b.example'],
      scopes: ['read'],
    });
    token = await cluster.mint({ namespace: 'apps', serviceAccount: 'api', aud: [BROKER_AUDIENCE] });
  });

  afterAll(async () => {
    await broker.close();
    await cluster.close();
  });

  async function expectError(response: Response, status: number, error: string, description?: RegExp) {
    expect(response.status).toBe(status);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body.error).toBe(error);
    if (description) expect(body.error_description).toMatch(description);
  }

  const exchange = (extra: Record<string, string | string[]> = {}) => ({
    grant_type: TOKEN_EXCHANGE,
    subject_token: token,
    subject_token_type: JWT_TYPE,
    ...extra,
  });

  it.each([
    ['no grant_type', {}, 'invalid_request', /grant_type is required/],
    ['an unknown grant_type', { grant_type: 'password' }, 'unsupported_grant_type', /not supported/],
    [
      'a missing subject_token',
      { grant_type: TOKEN_EXCHANGE, subject_token_type: JWT_TYPE },
      'invalid_request',
      /subject_token is required/,
    ],
    [
      'a missing subject_token_type',
      { grant_type: TOKEN_EXCHANGE, subject_token: 'x' },
      'invalid_request',
      /subject_token_type is required/,
    ],
    [
      'an unsupported subject_token_type',
      { grant_type: TOKEN_EXCHANGE, subject_token: 'x', subject_token_type: 'urn:example:saml' },
      'invalid_request',
      /subject_token_type is not supported/,
    ],
    [
      'an unsupported requested_token_type',
      {
        grant_type: TOKEN_EXCHANGE,
        subject_token: 'x',
        subject_token_type: JWT_TYPE,
        requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
      },
      'invalid_request',
      /requested_token_type/,
    ],
    [
      'an actor_token without its type',
      { grant_type: TOKEN_EXCHANGE, subject_token: 'x', subject_token_type: JWT_TYPE, actor_token: 'y' },
      'invalid_request',
      /actor_token/,
    ],
    ['a missing assertion', { grant_type: JWT_BEARER }, 'invalid_request', /assertion is required/],
    [
      'a client_credentials request without client_assertion_type',
      { grant_type: 'client_credentials', client_assertion: 'x' },
      'invalid_request',
      /client_assertion_type/,
    ],
    [
      'a client_credentials request without any client authentication',
      { grant_type: 'client_credentials' },
      'invalid_request',
      /client_assertion_type is required/,
    ],
    [
      'a foreign client_assertion_type',
      { grant_type: 'client_credentials', client_assertion_type: 'urn:x', client_assertion: 'x' },
      'invalid_request',
      /client_assertion_type/,
    ],
    [
      'a malformed scope',
      { grant_type: JWT_BEARER, assertion: 'x', scope: 'a"b' },
      'invalid_request',
      /scope/,
    ],
  ])('answers %s with 400', async (_name, params, error, description) => {
    await expectError(await broker.token(params), 400, error, description);
  });

  it.each(['grant_type', 'subject_token', 'scope', 'subject_token_type'])(
    'refuses a duplicated %s',
    async (name) => {
      const params = exchange();
      const duplicated = { ...params, [name]: [params[name as keyof typeof params], 'again'] };
      await expectError(
        await broker.token(duplicated),
        400,
        'invalid_request',
        new RegExp(`${name} must not repeat`),
      );
    },
  );

  it('accepts audience and resource repeated (RFC 8693 §2.1)', async () => {
    const response = await broker.token(exchange({ audience: ['https://a.example', 'https://b.example'] }));
    expect(response.status).toBe(200);
  });

  it('refuses a JSON body', async () => {
    const response = await fetch(`${broker.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(exchange()),
    });
    await expectError(response, 400, 'invalid_request', /x-www-form-urlencoded/);
  });

  it.each(['text/plain', 'multipart/form-data; boundary=x', 'application/xml'])(
    'refuses a %s body',
    async (type) => {
      const response = await fetch(`${broker.url}/token`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: 'grant_type=client_credentials',
      });
      await expectError(response, 400, 'invalid_request');
    },
  );

  it('refuses a body over 64 KiB before parsing it', async () => {
    const response = await broker.token(exchange({ padding: 'x'.repeat(70 * 1024) }));
    await expectError(response, 413, 'invalid_request', /too large/);
  });

  it('refuses a token over 16 KiB before decoding it', async () => {
    const response = await broker.token(exchange({ subject_token: `${token}${'A'.repeat(17 * 1024)}` }));
    await expectError(response, 400, 'invalid_request', /larger than 16384 bytes/);
  });

  it.each(['GET', 'PUT', 'DELETE', 'PATCH'])('answers %s with 405 and Allow: POST', async (method) => {
    const response = await fetch(`${broker.url}/token`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('treats a percent-encoded path to the token endpoint as the token endpoint', async () => {
    const denied = await fetch(`${broker.url}/%74oken`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: 'not.a.jwt' }),
    });
    await expectError(denied, 400, 'invalid_grant');
    const wrongMethod = await fetch(`${broker.url}/%74oken`, { method: 'GET' });
    expect(wrongMethod.status).toBe(405);
  });

  it('refuses a request without an audience when the policy allows several (invalid_target)', async () => {
    await expectError(await broker.token(exchange()), 400, 'invalid_target', /several audiences/);
  });

  it('refuses an audience the policy does not allow (invalid_target)', async () => {
    await expectError(
      await broker.token(exchange({ audience: 'https://evil.example' })),
      400,
      'invalid_target',
    );
  });

  it('refuses a resource the policy does not allow (invalid_target)', async () => {
    const response = await broker.token(
      exchange({ audience: 'https://a.example', resource: 'https://evil.example' }),
    );
    await expectError(response, 400, 'invalid_target');
  });

  it('refuses a scope the policy does not allow (invalid_scope)', async () => {
    const response = await broker.token(exchange({ audience: 'https://a.example', scope: 'read admin' }));
    await expectError(response, 400, 'invalid_scope');
  });

  it('answers a rejected credential per grant: invalid_request, invalid_grant, invalid_client', async () => {
    const garbage = 'not.a.jwt';
    await expectError(
      await broker.token(exchange({ subject_token: garbage })),
      400,
      'invalid_request',
      /credential is malformed/,
    );
    await expectError(
      await broker.token({ grant_type: JWT_BEARER, assertion: garbage }),
      400,
      'invalid_grant',
    );
    const response = await broker.token({
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION,
      client_assertion: garbage,
    });
    await expectError(response, 401, 'invalid_client');
  });

  it('refuses a client_id that is not the client assertion subject (invalid_client)', async () => {
    const response = await broker.token({
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION,
      client_assertion: token,
      client_id: 'someone-else',
      audience: 'https://a.example',
    });
    await expectError(response, 401, 'invalid_client', /client_id/);
  });

  it('refuses an actor token the broker cannot verify', async () => {
    const response = await broker.token(
      exchange({ audience: 'https://a.example', actor_token: 'x.y.z', actor_token_type: JWT_TYPE }),
    );
    await expectError(response, 400, 'invalid_request', /^actor_token: /);
  });

  it.each([
    ['a duplicated parameter', () => broker.token({ grant_type: [TOKEN_EXCHANGE, TOKEN_EXCHANGE] })],
    [
      'a JSON body',
      () =>
        fetch(`${broker.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'json-client/1' },
          body: '{"grant_type":"client_credentials"}',
        }),
    ],
    ['a GET', () => fetch(`${broker.url}/token`), 'method_not_allowed'],
    [
      'a body over the cap',
      () => broker.token({ grant_type: JWT_BEARER, padding: 'x'.repeat(70 * 1024) }),
      'body_too_large',
    ],
    ['an XML body', () => post('application/xml', '<grant_type>client_credentials</grant_type>')],
    ['a multipart body', () => post('multipart/form-data; boundary=x', '--x\r\n\r\ngrant_type\r\n--x--')],
    ['a malformed JSON body', () => post('application/json', '{"grant_type":')],
    ['a body without a type', () => post(undefined, 'grant_type=client_credentials')],
    [
      'a chunked body over the cap without Content-Length',
      () => postChunked('application/x-www-form-urlencoded', 'x'.repeat(1024), 70),
      'body_too_large',
    ],
  ])('audits a malformed request (%s) as a denial', async (_name, send, error = 'malformed_request') => {
    const response = await send();
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys((await response.json()) as object).sort()).toEqual(['error', 'error_description']);
    const requestId = response.headers.get('x-request-id');
    const events = await broker.admin('GET', '/admin/v1/audit-events?outcome=denied&limit=20');
    const { items } = (await events.json()) as { items: Record<string, unknown>[] };
    expect(items.find((e) => e.requestId === requestId)).toMatchObject({ error });
  });

  function post(type: string | undefined, body: string): Promise<Response> {
    return fetch(`${broker.url}/token`, {
      method: 'POST',
      headers: type === undefined ? {} : { 'content-type': type },
      body: new TextEncoder().encode(body),
    });
  }

  /** `POST /token` with `Transfer-Encoding: chunked` and no `Content-Length`: `chunk` sent `times` times. */
  function postChunked(type: string, chunk: string, times: number): Promise<Response> {
    return new Promise((resolve, reject) => {
      const request = httpRequest(`${broker.url}/token`, {
        method: 'POST',
        headers: { 'content-type': type },
      });
      request.on('error', reject);
      request.on('response', (incoming) => {
        const parts: Buffer[] = [];
        incoming.on('data', (part: Buffer) => parts.push(part));
        incoming.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          resolve(new Response(Buffer.concat(parts), { status: incoming.statusCode ?? 0, headers }));
        });
      });
      const writeNext = (left: number): void => {
        if (left === 0 || request.destroyed) {
          request.end();
          return;
        }
        request.write(chunk, () => writeNext(left - 1));
      };
      writeNext(times);
    });
  }

  describe('client authentication the broker does not support (RFC 6749 §2.3, §5.2)', () => {
    const SECRET = 'correct-horse-battery-staple';
    const BASIC = `Basic ${Buffer.from(`abc:${SECRET}`).toString('base64')}`;
    const AUDIENCE = 'https://a.example';
    const jwtBearer = () => ({ grant_type: JWT_BEARER, assertion: token, audience: AUDIENCE });
    const tokenExchange = () => exchange({ audience: AUDIENCE });
    const clientCredentials = () => ({
      grant_type: 'client_credentials',
      client_assertion_type: CLIENT_ASSERTION,
      client_assertion: token,
      audience: AUDIENCE,
    });

    const send = (params: Record<string, string | string[]>, authorization?: string) =>
      fetch(`${broker.url}/token`, {
        method: 'POST',
        headers: authorization === undefined ? {} : { authorization },
        body: formOf(params),
      });

    it.each([
      ['jwt-bearer', jwtBearer],
      ['token exchange', tokenExchange],
      ['client_credentials with a client assertion', clientCredentials],
    ])('issues a token to %s sent without them, so each refusal below is its own', async (_name, params) => {
      expect((await send(params())).status).toBe(200);
    });

    it.each<[string, () => Record<string, string | string[]>, string | undefined, RegExp, string?]>([
      [
        'a client assertion with the jwt-bearer grant',
        () => ({ ...jwtBearer(), client_assertion_type: CLIENT_ASSERTION, client_assertion: 'garbage' }),
        undefined,
        /client authentication by client_assertion is not supported/,
      ],
      [
        'a client assertion with token exchange',
        () => ({ ...tokenExchange(), client_assertion_type: CLIENT_ASSERTION, client_assertion: 'garbage' }),
        undefined,
        /client authentication by client_assertion is not supported/,
      ],
      [
        'a client_assertion_type alone with the jwt-bearer grant',
        () => ({ ...jwtBearer(), client_assertion_type: CLIENT_ASSERTION }),
        undefined,
        /client authentication by client_assertion is not supported/,
      ],
      [
        'HTTP Basic with the jwt-bearer grant',
        jwtBearer,
        BASIC,
        /client authentication by the Authorization header \(Basic\) is not supported/,
        'Basic realm="fedbroker"',
      ],
      [
        'HTTP Basic with token exchange',
        tokenExchange,
        BASIC,
        /client authentication by the Authorization header \(Basic\) is not supported/,
        'Basic realm="fedbroker"',
      ],
      [
        'HTTP Basic with client_credentials and no client assertion',
        () => ({ grant_type: 'client_credentials' }),
        BASIC,
        /client authentication by the Authorization header \(Basic\) is not supported/,
        'Basic realm="fedbroker"',
      ],
      [
        'client_id and client_secret in the body with client_credentials',
        () => ({ grant_type: 'client_credentials', client_id: 'abc', client_secret: SECRET }),
        undefined,
        /client authentication by client_secret is not supported/,
      ],
      [
        'a client_secret with the jwt-bearer grant',
        () => ({ ...jwtBearer(), client_id: 'abc', client_secret: SECRET }),
        undefined,
        /client authentication by client_secret is not supported/,
      ],
      [
        'HTTP Basic and a valid client assertion at once',
        clientCredentials,
        BASIC,
        /more than one client authentication method \(the Authorization header, client_assertion\)/,
        'Basic realm="fedbroker"',
      ],
      [
        'a client_secret and a valid client assertion at once',
        () => ({ ...clientCredentials(), client_secret: SECRET }),
        undefined,
        /more than one client authentication method \(client_secret, client_assertion\)/,
      ],
    ])(
      'refuses %s: 401 invalid_client, audited as unsupported_client_authentication',
      async (_name, params, authorization, description, challenge) => {
        const form = params();
        const response = await send(form, authorization);
        const text = await response.clone().text();
        await expectError(response, 401, 'invalid_client', description);
        expect(text).not.toContain(SECRET);
        if (challenge !== undefined) expect(response.headers.get('www-authenticate')).toBe(challenge);
        const requestId = response.headers.get('x-request-id') ?? '';
        const page = (await (
          await broker.admin('GET', `/admin/v1/audit-events?requestId=${encodeURIComponent(requestId)}`)
        ).json()) as { items: Record<string, unknown>[] };
        expect(page.items).toHaveLength(1);
        expect(page.items[0]).toMatchObject({
          outcome: 'denied',
          error: 'unsupported_client_authentication',
          grantType: form.grant_type,
          tokenId: null,
        });
        const event = JSON.stringify(page.items[0]);
        expect(event).not.toContain(SECRET);
        if (authorization !== undefined) expect(event).not.toContain(authorization.split(' ')[1]);
      },
    );

    it.each([
      ['a Bearer token', 'Bearer a.b.c'],
      ['a scheme the broker has never heard of', 'X-Custom abc'],
    ])(
      'leaves an Authorization header of %s alone: it authenticates no client at a token endpoint',
      async (_name, authorization) => {
        expect((await send(jwtBearer(), authorization)).status).toBe(200);
        expect((await send(clientCredentials(), authorization)).status).toBe(200);
      },
    );

    it('refuses HTTP Basic before reading the grant: 401, not 400 for a missing assertion', async () => {
      const response = await send({ grant_type: JWT_BEARER }, BASIC);
      await expectError(response, 401, 'invalid_client', /Authorization header/);
    });
  });

  it('changes nothing but the audit log when it refuses', async () => {
    const before: { count: string }[] = await broker.runtime.dataSource.query(
      `SELECT (SELECT count(*) FROM platforms) + (SELECT count(*) FROM policies) + (SELECT count(*) FROM signing_keys) AS count`,
    );
    await broker.token({ grant_type: 'password' });
    const after: { count: string }[] = await broker.runtime.dataSource.query(
      `SELECT (SELECT count(*) FROM platforms) + (SELECT count(*) FROM policies) + (SELECT count(*) FROM signing_keys) AS count`,
    );
    expect(after).toEqual(before);
    const denied = await broker.admin('GET', '/admin/v1/audit-events?outcome=denied&limit=1');
    const [event] = ((await denied.json()) as { items: Record<string, unknown>[] }).items;
    expect(event).toMatchObject({ grantType: 'password', error: 'unsupported_grant_type' });
  });
});
