import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startBroker, type Broker } from '../support/broker-harness';

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('a separate admin listener (FEDBROKER_ADMIN_PORT)', () => {
  let broker: Broker;
  let adminUrl: string;

  beforeAll(async () => {
    broker = await startBroker({ FEDBROKER_ADMIN_PORT: '0', FEDBROKER_ADMIN_HOST: '127.0.0.1' });
    adminUrl = broker.adminUrl ?? '';
    expect(adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(adminUrl).not.toBe(broker.url);
  });

  afterAll(async () => {
    await broker.close();
  });

  it('serves the admin API there', async () => {
    const response = await fetch(`${adminUrl}/admin/v1/platforms`, { headers: auth });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [] });
  });

  it.each([
    ['malformed JSON', 'POST', '/admin/v1/platforms', { 'content-type': 'application/json' }, '{bad'],
    ['a text/plain body', 'POST', '/admin/v1/platforms', { 'content-type': 'text/plain' }, 'name=x'],
    ['a method the route does not take', 'PATCH', '/admin/v1/platforms', {}, undefined],
    ['an undecodable path', 'GET', '/admin/v1/platforms/%ZZ', {}, undefined],
    ['an unknown route', 'GET', '/admin/v1/nope', {}, undefined],
  ])(
    'answers %s without a credential with 401 there, and 404 on the main listener',
    async (_what, method, path, headers, body) => {
      const there = await fetch(`${adminUrl}${path}`, { method, headers, body });
      expect(there.status).toBe(401);
      expect(there.headers.get('content-type')).toContain('application/problem+json');
      expect(there.headers.get('www-authenticate')).toBe('Bearer');
      const main = await fetch(`${broker.url}${path}`, { method, headers, body });
      expect(main.status).toBe(404);
      expect(main.headers.get('www-authenticate')).toBeNull();
    },
  );

  it.each([
    '/admin/v1/platforms',
    '/admin/v1/nothing-here',
    '/%61dmin/v1/platforms',
    '/admin/v1/platforms/%E0%A4%A',
    '/admin',
    '/metrics',
    '/openapi.json',
    '/docs',
    '/console',
  ])(
    'answers 404 problem+json for %s on the main listener, as for a route that does not exist',
    async (path) => {
      const response = await fetch(`${broker.url}${path}`, { headers: auth });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('x-request-id')).toBeTruthy();
      expect(await response.json()).toEqual({ type: 'about:blank', title: 'Not Found', status: 404 });
    },
  );

  it('refuses an admin write on the main listener before it reaches the admin API', async () => {
    const response = await fetch(`${broker.url}/admin/v1/platforms`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sneaky', kind: 'kubernetes', issuer: 'https://sneaky.example' }),
    });
    expect(response.status).toBe(404);
    expect((await broker.admin('GET', '/admin/v1/platforms/sneaky')).status).toBe(404);
  });

  it('keeps /token, discovery and health on the main listener only', async () => {
    expect((await fetch(`${broker.url}/jwks`)).status).toBe(200);
    expect((await fetch(`${broker.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${broker.url}/.well-known/oauth-authorization-server`)).status).toBe(200);
    for (const path of ['/jwks', '/healthz', '/.well-known/oauth-authorization-server']) {
      expect((await fetch(`${adminUrl}${path}`)).status).toBe(404);
    }
    const token = await fetch(`${adminUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(404);
  });

  it('audits nothing for /token refused on the admin listener', async () => {
    await fetch(`${adminUrl}/token`, { method: 'GET' });
    const events = (await (await broker.admin('GET', '/admin/v1/audit-events')).json()) as {
      items: unknown[];
    };
    expect(events.items).toEqual([]);
  });
});
