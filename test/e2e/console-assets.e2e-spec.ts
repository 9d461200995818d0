import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../support/broker-harness';

const shipped = readdirSync(join(__dirname, '..', '..', 'apps', 'console', 'public'));

describe('the console files', () => {
  let broker: Broker;
  let adminUrl: string;

  beforeAll(async () => {
    broker = await startBroker({ FEDBROKER_ADMIN_PORT: '0', FEDBROKER_ADMIN_HOST: '127.0.0.1' });
    adminUrl = broker.adminUrl ?? '';
  });

  afterAll(async () => {
    await broker.close();
  });

  it('serves the page at /console on the admin listener, under a strict Content-Security-Policy', async () => {
    const response = await fetch(`${adminUrl}/console`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy.split('; ')).toEqual(
      expect.arrayContaining(["default-src 'self'", "frame-ancestors 'none'", "form-action 'none'"]),
    );
    expect(policy).not.toContain('unsafe');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const page = await response.text();
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it.each([
    ['main.js', 'text/javascript; charset=utf-8'],
    ['console.css', 'text/css; charset=utf-8'],
    ['icon.svg', 'image/svg+xml'],
    ['index.html', 'text/html; charset=utf-8'],
  ])('serves %s as %s with the same headers', async (file, type) => {
    const response = await fetch(`${adminUrl}/console/${file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('cache-control')).toBe('no-cache');
  });

  it('serves every JavaScript module the page imports', async () => {
    const modules = shipped.filter((file) => file.endsWith('.js'));
    expect(modules.length).toBeGreaterThan(5);
    for (const file of modules) {
      const source = await (await fetch(`${adminUrl}/console/${file}`)).text();
      for (const [, imported] of source.matchAll(/from '\.\/([a-z-]+\.js)'/g)) {
        expect(shipped, `${file} imports ${imported}`).toContain(imported);
      }
    }
  });

  it('answers 304 to a request that already has the file', async () => {
    const first = await fetch(`${adminUrl}/console/main.js`);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${adminUrl}/console/main.js`, { headers: { 'if-none-match': `W/${etag}` } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
  });

  it.each([
    '/console/nothing.js',
    '/console/tsconfig.json',
    '/console/..%2F..%2Fpackage.json',
    '/console/%2e%2e',
    '/console/public/main.js',
  ])('serves nothing else: %s is 404', async (path) => {
    expect((await fetch(`${adminUrl}${path}`)).status).toBe(404);
  });

  it('is not served on the main listener while an admin listener runs', async () => {
    expect((await fetch(`${broker.url}/console/main.js`)).status).toBe(404);
  });
});
