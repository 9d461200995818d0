import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_TOKEN, startBroker, type Broker } from '../support/broker-harness';

type Json = Record<string, unknown>;

/** Requests an anonymous caller could learn the admin API's shape from, and what an admin gets. */
const PROBES: [what: string, method: string, path: string, headers: Record<string, string>, body?: string][] =
  [
    ['malformed JSON', 'POST', '/admin/v1/platforms', { 'content-type': 'application/json' }, '{bad'],
    ['malformed JSON to apply', 'POST', '/admin/v1/apply', { 'content-type': 'application/json' }, '{bad'],
    ['a text/plain body', 'POST', '/admin/v1/platforms', { 'content-type': 'text/plain' }, 'name=x'],
    [
      'a body over 1 MiB',
      'POST',
      '/admin/v1/platforms',
      { 'content-type': 'application/json' },
      JSON.stringify({ caBundle: 'x'.repeat(1_100_000) }),
    ],
    ['a method the route does not take', 'PATCH', '/admin/v1/platforms', {}],
    ['an undecodable path', 'GET', '/admin/v1/platforms/%ZZ', {}],
    ['an undecodable path with an encoded prefix', 'GET', '/%61dmin/v1/platforms/%ZZ', {}],
    ['an unknown route', 'GET', '/admin/v1/nope', {}],
    ['an unknown version', 'GET', '/admin/v2/platforms', {}],
    ['the bare prefix', 'GET', '/admin', {}],
  ];

const ANONYMOUS: [who: string, headers: Record<string, string>][] = [
  ['no credential', {}],
  ['a wrong credential', { authorization: 'Bearer fbk_not-a-credential-this-broker-issued' }],
  ['a non-bearer scheme', { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }],
];

const probe = (url: string, [, method, path, headers, body]: (typeof PROBES)[number], extra = {}) =>
  fetch(`${url}${path}`, { method, headers: { ...headers, ...extra }, body });

async function expectUnauthorized(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.headers.get('www-authenticate')).toBe('Bearer');
  expect(response.headers.get('x-request-id')).toBeTruthy();
  expect(await response.json()).toMatchObject({ type: 'about:blank', title: 'Unauthorized', status: 401 });
}

/**
 * Sends the headers of a POST and a part of its body, never the rest, and resolves with the status
 * of the answer, or undefined when none came within five seconds: only an answer given before the
 * body is read can come.
 */
function statusBeforeTheBody(url: string, headers: Record<string, string>): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const sent = request(`${url}/admin/v1/platforms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '1000', ...headers },
      signal: AbortSignal.timeout(5_000),
    });
    sent.on('response', (response) => {
      response.resume();
      resolve(response.statusCode);
      sent.destroy();
    });
    sent.on('error', (error) => {
      if (error.name === 'AbortError') resolve(undefined);
      else reject(error);
    });
    sent.write('{"name": ');
  });
}

describe('admin authentication comes first', () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker();
  });

  afterAll(async () => {
    await broker.close();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe.each(ANONYMOUS)('with %s', (_who, credential) => {
    it.each(PROBES)('answers %s with 401, as it answers every admin request', async (...request) => {
      await expectUnauthorized(await probe(broker.url, request, credential));
    });

    it('answers 401 before the body arrives', async () => {
      expect(await statusBeforeTheBody(broker.url, credential)).toBe(401);
    });
  });

  it.each([
    ['malformed JSON', 400],
    ['malformed JSON to apply', 400],
    ['a text/plain body', 415],
    ['a body over 1 MiB', 413],
    ['a method the route does not take', 405],
    ['an undecodable path', 400],
    ['an undecodable path with an encoded prefix', 400],
    ['an unknown route', 404],
    ['an unknown version', 404],
    ['the bare prefix', 404],
  ])('answers %s from an admin as before (%i)', async (what, status) => {
    const found = PROBES.find(([name]) => name === what);
    if (!found) throw new Error(`no probe ${what}`);
    const response = await probe(broker.url, found, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(await response.json()).toMatchObject({ type: 'about:blank', status });
  });

  it('checks the credential once per request', async () => {
    const authenticate = vi.spyOn(broker.runtime.credentials, 'authenticate');
    const response = await broker.admin('GET', '/admin/v1/platforms');
    expect(response.status).toBe(200);
    expect(authenticate).toHaveBeenCalledTimes(1);
  });

  it('checks no credential for /token', async () => {
    const authenticate = vi.spyOn(broker.runtime.credentials, 'authenticate');
    const response = await broker.token({ grant_type: 'client_credentials' });
    expect(response.status).toBe(400);
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('still refuses a role that may not do what it asks with 403', async () => {
    const issued = await broker.admin('POST', '/admin/v1/credentials', { name: 'reader', role: 'auditor' });
    const { credential } = (await issued.json()) as { credential: string };
    const response = await broker.admin(
      'POST',
      '/admin/v1/platforms',
      { name: 'by-auditor', kind: 'kubernetes', issuer: 'https://by-auditor.example' },
      { authorization: `Bearer ${credential}` },
    );
    expect(response.status).toBe(403);
    expect((await response.json()) as Json).toMatchObject({ status: 403, title: 'Forbidden' });
  });

  it.each(['/console', '/console/main.js', '/metrics', '/openapi.json', '/docs', '/healthz', '/jwks'])(
    'keeps %s open without a credential',
    async (path) => {
      expect((await fetch(`${broker.url}${path}`)).status).toBe(200);
    },
  );
});
