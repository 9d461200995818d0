import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { chromium } from 'playwright-core';
import { loadConfig } from '@fedbroker/config';
import { GRANTS } from '@fedbroker/exchange';
import { createApp } from '../../apps/broker/src/create-app';
import { openApiDocument } from '../../apps/broker/src/openapi/openapi-document';
import { OPERATIONS } from '../../apps/broker/src/openapi/operations';
import { problemSchema } from '../../apps/broker/src/openapi/response-schemas';
import { REFERENCE_CSP } from '../../apps/broker/src/openapi/reference-page';
import { startRuntime } from '../../apps/broker/src/runtime/broker-runtime';
import {
  ADMIN_TOKEN,
  TestClock,
  formOf,
  silentLogger,
  startBroker,
  type Broker,
} from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';
import { openApiProblems } from '../support/openapi-rules';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

type Json = Record<string, unknown>;
type Paths = Record<string, Record<string, { responses: Json; requestBody?: Json }>>;

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

describe('the OpenAPI document', () => {
  it('passes the OpenAPI 3.1 rules that can be checked offline', () => {
    expect(openApiProblems(openApiDocument())).toEqual([]);
  });

  it.each([
    ['a 3.0 document', (d: Json) => ({ ...d, openapi: '3.0.3' }), /^openapi: must be 3\.1\.x$/],
    ['no info', ({ info: _info, ...d }: Json) => d, /^info: is required$/],
    [
      'a path parameter not in the path',
      (d: Json) => withOperation(d, '/a', { parameters: [pathParameter('x')] }),
      /path parameter x is not in the path/,
    ],
    [
      'a templated name without its parameter',
      (d: Json) => withOperation(d, '/a/{x}', {}),
      /\{x\} has no path parameter/,
    ],
    [
      'an optional path parameter',
      (d: Json) => withOperation(d, '/a/{x}', { parameters: [{ ...pathParameter('x'), required: false }] }),
      /must be required/,
    ],
    [
      'a repeated operationId',
      (d: Json) =>
        withOperation(withOperation(d, '/a', { operationId: 'same' }), '/b', { operationId: 'same' }),
      /operationId same is also/,
    ],
    [
      'a bad status code',
      (d: Json) => withOperation(d, '/a', { responses: { 600: { description: 'x' } } }),
      /is not a status code/,
    ],
    [
      'a response without a description',
      (d: Json) => withOperation(d, '/a', { responses: { 200: {} } }),
      /needs a description/,
    ],
    [
      'an unresolved $ref',
      (d: Json) => withOperation(d, '/a', { responses: { 200: { $ref: '#/components/responses/Nope' } } }),
      /does not resolve/,
    ],
    [
      'an undeclared security scheme',
      (d: Json) => withOperation(d, '/a', { security: [{ apiKey: [] }] }),
      /apiKey is not a declared security scheme/,
    ],
    [
      'a 3.0 nullable',
      (d: Json) =>
        withOperation(d, '/a', {
          requestBody: { content: { 'application/json': { schema: { type: 'string', nullable: true } } } },
        }),
      /nullable is OpenAPI 3\.0/,
    ],
    [
      'an Authorization header parameter',
      (d: Json) =>
        withOperation(d, '/a', { parameters: [{ name: 'Authorization', in: 'header', schema: {} }] }),
      /is ignored by OpenAPI/,
    ],
    [
      'paths differing in parameter names only',
      (d: Json) =>
        withOperation(withOperation(d, '/a/{x}', { parameters: [pathParameter('x')] }), '/a/{y}', {
          parameters: [pathParameter('y')],
        }),
      /same hierarchy/,
    ],
  ])('the checker finds %s', (_name, spoil, problem) => {
    const problems = openApiProblems(spoil(openApiDocument()));
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it('documents the grants /token serves, no more and no fewer', () => {
    const paths = openApiDocument().paths as Paths;
    const form = paths['/token']?.post?.requestBody as Json;
    const schema = ((form.content as Json)['application/x-www-form-urlencoded'] as Json).schema as Json;
    const documented = (schema.oneOf as Json[]).map(
      (branch) => ((branch.properties as Json).grant_type as Json).const,
    );
    expect(documented.sort()).toEqual([...GRANTS.keys()].sort());
  });
});

describe('the routes the application serves', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  const routes: { method: string; url: string }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadConfig({
      FEDBROKER_ADMIN_TOKEN: ADMIN_TOKEN,
      FEDBROKER_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    });
    const runtime = await startRuntime(config, {
      logger: silentLogger(),
      database: { url: database.url, singleSession: database.singleSession },
    });
    app = await createApp(runtime, { logger: false });
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) routes.push({ method, url: route.url });
      });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('are each in the OpenAPI document', () => {
    const paths = openApiDocument().paths as Paths;
    const served = routes.filter((r) => r.method !== 'HEAD');
    expect(served.length).toBeGreaterThan(20);
    const missing = served
      .map((r) => `${r.method} ${r.url.replace(/:([^/]+)/g, '{$1}')}`)
      .filter((route) => {
        const [method = '', path = ''] = route.split(' ');
        return paths[path]?.[method.toLowerCase()] === undefined;
      });
    expect(missing, 'served but not in apps/broker/src/openapi/operations.ts').toEqual([]);
  });

  it('include every operation the document lists', () => {
    const fastify = app.getHttpAdapter().getInstance();
    const absent = OPERATIONS.filter(
      (o) =>
        !fastify.hasRoute({ method: o.method.toUpperCase(), url: o.path.replace(/\{([^}]+)\}/g, ':$1') }),
    ).map((o) => `${o.method} ${o.path}`);
    expect(absent).toEqual([]);
  });
});

describe('answers, held to the document', () => {
  const clock = new TestClock();
  let broker: Broker;
  let cluster: FakeKubernetesIssuer;
  const paths = openApiDocument().paths as Paths;
  const seen = new Set<string>();

  /**
   * Checks that `response` is documented for the operation at `template`: its status is listed,
   * and its body parses with the documented schema (strict: an undocumented member fails).
   */
  const conforms = async (method: string, template: string, response: Promise<Response>): Promise<Json> => {
    const answered = await response;
    const operation = OPERATIONS.find((o) => o.method === method && o.path === template);
    expect(operation, `${method} ${template} is not documented`).toBeDefined();
    const status = answered.status;
    expect(
      Object.keys(paths[template]?.[method]?.responses ?? {}),
      `${method} ${template} answered ${status}, which apps/broker/src/openapi/operations.ts does not list`,
    ).toContain(String(status));
    seen.add(`${method} ${template}`);
    if (status === 204) return {};
    const type = answered.headers.get('content-type') ?? '';
    const documentedType = operation?.answers[status]?.contentType;
    if (documentedType !== undefined && !/json/.test(String(documentedType))) {
      expect(
        [documentedType].flat().some((t) => type.startsWith(t)),
        `${method} ${template}: ${type}`,
      ).toBe(true);
      return {};
    }
    const body = (await answered.json()) as Json;
    const schema = operation?.answers[status]?.schema ?? (status >= 400 ? problemSchema : undefined);
    if (schema) {
      const parsed = schema.safeParse(body);
      expect(
        parsed.error?.issues ?? [],
        `${method} ${template} ${status} differs from the document (apps/broker/src/openapi/response-schemas.ts)`,
      ).toEqual([]);
    }
    return body;
  };
  const admin = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    broker.admin(method.toUpperCase(), path, body, headers);

  beforeAll(async () => {
    cluster = await startFakeKubernetesIssuer({ clock });
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
  });
  afterAll(async () => {
    await broker?.close();
    await cluster?.close();
  });

  it('of the platforms and policies, from creation to deletion, refusals included', async () => {
    const platform = { name: 'cluster', kind: 'kubernetes', issuer: cluster.issuer };
    const policy = {
      name: 'all',
      platform: 'cluster',
      condition: 'true',
      audiences: ['https://api.example'],
    };
    await conforms('post', '/admin/v1/platforms', admin('post', '/admin/v1/platforms', platform));
    await conforms('post', '/admin/v1/platforms', admin('post', '/admin/v1/platforms', platform));
    await conforms('post', '/admin/v1/platforms', admin('post', '/admin/v1/platforms', { name: 'x' }));
    await conforms('get', '/admin/v1/platforms', admin('get', '/admin/v1/platforms'));
    await conforms('get', '/admin/v1/platforms/{name}', admin('get', '/admin/v1/platforms/cluster'));
    await conforms('get', '/admin/v1/platforms/{name}', admin('get', '/admin/v1/platforms/nothing'));
    await conforms(
      'put',
      '/admin/v1/platforms/{name}',
      admin('put', '/admin/v1/platforms/cluster', platform),
    );
    await conforms(
      'put',
      '/admin/v1/platforms/{name}',
      admin('put', '/admin/v1/platforms/cluster', platform, { 'if-match': '"1"' }),
    );
    await conforms(
      'patch',
      '/admin/v1/platforms/{name}',
      broker.admin('PATCH', '/admin/v1/platforms/cluster', undefined, {
        'if-match': '"9"',
        'content-type': 'application/merge-patch+json',
      }),
    );
    await conforms('post', '/admin/v1/policies', admin('post', '/admin/v1/policies', policy));
    await conforms('get', '/admin/v1/policies', admin('get', '/admin/v1/policies?platform=cluster'));
    await conforms('get', '/admin/v1/policies/{name}', admin('get', '/admin/v1/policies/all'));
    const tested = { ...policy, name: 'tested', tests: [{ name: 'any', identity: {}, expect: 'match' }] };
    await conforms('post', '/admin/v1/apply', admin('post', '/admin/v1/apply', { policies: [tested] }));
    await conforms(
      'post',
      '/admin/v1/apply',
      admin('post', '/admin/v1/apply', { policies: [{ name: 'x' }] }),
    );
    await conforms('post', '/admin/v1/policies/{name}/test', admin('post', '/admin/v1/policies/tested/test'));
    await conforms(
      'post',
      '/admin/v1/policies/validate',
      admin('post', '/admin/v1/policies/validate', { ...policy, ttlSeconds: 7200 }),
    );
    await conforms(
      'post',
      '/admin/v1/policies/validate',
      admin('post', '/admin/v1/policies/validate', { name: 'x', condition: 'identity.nope' }),
    );
    await conforms(
      'get',
      '/admin/v1/platforms/{name}/keys',
      admin('get', '/admin/v1/platforms/cluster/keys'),
    );
    await conforms(
      'get',
      '/admin/v1/platforms/{name}/keys',
      admin('get', '/admin/v1/platforms/nothing/keys'),
    );
    await conforms(
      'post',
      '/admin/v1/policies/{name}/test',
      admin('post', '/admin/v1/policies/nothing/test'),
    );
    const patched = await fetch(`${broker.url}/admin/v1/policies/all`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': 'application/merge-patch+json',
        'if-match': '*',
      },
      body: JSON.stringify({ priority: 5 }),
    });
    await conforms('patch', '/admin/v1/policies/{name}', Promise.resolve(patched));
    await conforms(
      'delete',
      '/admin/v1/platforms/{name}',
      admin('delete', '/admin/v1/platforms/cluster', undefined, { 'if-match': '*' }),
    );
    await conforms(
      'put',
      '/admin/v1/policies/{name}',
      admin('put', '/admin/v1/policies/all', policy, { 'if-match': '*' }),
    );
    await conforms(
      'delete',
      '/admin/v1/policies/{name}',
      admin('delete', '/admin/v1/policies/all', undefined, { 'if-match': '"1"' }),
    );
    await conforms(
      'delete',
      '/admin/v1/policies/{name}',
      admin('delete', '/admin/v1/policies/all', undefined, { 'if-match': '*' }),
    );
  });

  it('of /token, discovery and health', async () => {
    const assertion = await cluster.mint({ aud: ['https://broker.test/token'] });
    const post = (form: Record<string, string>) =>
      fetch(`${broker.url}/token`, { method: 'POST', body: formOf(form) });
    await conforms('post', '/token', post({ grant_type: JWT_BEARER, assertion }));
    await conforms('post', '/token', post({ grant_type: JWT_BEARER, assertion: 'not-a-jwt' }));
    await conforms('post', '/token', post({ grant_type: 'password' }));
    for (const path of [
      '/metrics',
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
      '/jwks',
      '/healthz',
      '/readyz',
    ]) {
      await conforms('get', path, fetch(`${broker.url}${path}`));
    }
  });

  it('of explain, audit, history, signing keys and credentials', async () => {
    const token = await cluster.mint({ aud: ['https://broker.test/token'] });
    await conforms('post', '/admin/v1/explain', admin('post', '/admin/v1/explain', { token }));
    await conforms('post', '/admin/v1/explain', admin('post', '/admin/v1/explain', { token: 'x.y.z' }));
    await conforms('post', '/admin/v1/explain', admin('post', '/admin/v1/explain', {}));
    await conforms('get', '/admin/v1/audit-events', admin('get', '/admin/v1/audit-events?limit=2'));
    await conforms('get', '/admin/v1/audit-events', admin('get', '/admin/v1/audit-events?outcome=maybe'));
    await conforms('get', '/admin/v1/audit-events/verify', admin('get', '/admin/v1/audit-events/verify'));
    await conforms('get', '/admin/v1/changes', admin('get', '/admin/v1/changes?resource=platform'));
    await conforms(
      'post',
      '/admin/v1/signing-keys/rotate',
      admin('post', '/admin/v1/signing-keys/rotate', { activateAfterSeconds: 60 }),
    );
    await conforms('post', '/admin/v1/signing-keys/rotate', admin('post', '/admin/v1/signing-keys/rotate'));
    await conforms('get', '/admin/v1/signing-keys', admin('get', '/admin/v1/signing-keys'));
    await conforms('post', '/admin/v1/signing-keys/rewrap', admin('post', '/admin/v1/signing-keys/rewrap'));
    const issued = await conforms(
      'post',
      '/admin/v1/credentials',
      admin('post', '/admin/v1/credentials', { name: 'reader', role: 'auditor' }),
    );
    const asReader = { authorization: `Bearer ${String(issued.credential)}` };
    await conforms('get', '/admin/v1/credentials', admin('get', '/admin/v1/credentials'));
    await conforms(
      'get',
      '/admin/v1/credentials',
      admin('get', '/admin/v1/credentials', undefined, asReader),
    );
    await conforms(
      'post',
      '/admin/v1/signing-keys/rotate',
      admin('post', '/admin/v1/signing-keys/rotate', undefined, asReader),
    );
    await conforms(
      'delete',
      '/admin/v1/credentials/{id}',
      admin('delete', `/admin/v1/credentials/${String(issued.id)}`),
    );
    await conforms('get', '/admin/v1/changes', admin('get', '/admin/v1/changes', undefined, asReader));
    await conforms('get', '/admin/v1/me', admin('get', '/admin/v1/me', undefined, asReader));
    await conforms('get', '/admin/v1/me', fetch(`${broker.url}/admin/v1/me`));
  });

  it('of the console', async () => {
    await conforms('get', '/console', fetch(`${broker.url}/console`));
    await conforms('get', '/console/{file}', fetch(`${broker.url}/console/main.js`));
    await conforms('get', '/console/{file}', fetch(`${broker.url}/console/console.css`));
    await conforms('get', '/console/{file}', fetch(`${broker.url}/console/nothing.js`));
  });

  it('leave no operation of the admin API, /token, discovery or health unchecked', () => {
    const unchecked = OPERATIONS.filter((o) => o.tag !== 'Reference')
      .map((o) => `${o.method} ${o.path}`)
      .filter((o) => !seen.has(o));
    expect(unchecked).toEqual([]);
  });
});

describe('the reference page', () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker({ FEDBROKER_ADMIN_PORT: '0', FEDBROKER_ADMIN_HOST: '127.0.0.1' });
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('serves the document on the admin listener, and not on the main one', async () => {
    const served = await fetch(`${broker.adminUrl}/openapi.json`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await served.json()).toEqual(openApiDocument());
    expect((await fetch(`${broker.url}/openapi.json`)).status).toBe(404);
    expect((await fetch(`${broker.url}/docs`)).status).toBe(404);
  });

  it('is HTML whose script and style come from the broker, under a strict Content-Security-Policy', async () => {
    const page = await fetch(`${broker.adminUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(REFERENCE_CSP);
    expect(REFERENCE_CSP).toContain("script-src 'self'");
    expect(REFERENCE_CSP).not.toMatch(/unsafe|https?:|\*/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=|javascript:/i);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map(([, attributes, body]) => [attributes?.trim(), body])).toEqual([
      ['src="/docs/docs.js" defer', ''],
    ]);
    for (const [path, type] of [
      ['/docs/docs.js', 'text/javascript; charset=utf-8'],
      ['/docs/docs.css', 'text/css; charset=utf-8'],
    ]) {
      const asset = await fetch(`${broker.adminUrl}${path}`);
      expect([asset.status, asset.headers.get('content-type')]).toEqual([200, type]);
    }
  });

  it.skipIf(CHROMIUM === undefined && !process.env.CI)(
    'renders every operation in a browser, without a script error or a policy violation, and filters them',
    async () => {
      const browser = await chromium.launch({ executablePath: CHROMIUM });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));
        page.on('console', (message) => {
          const favicon = message.location().url.endsWith('/favicon.ico');
          if (message.type() === 'error' && !favicon) errors.push(message.text());
        });
        await page.goto(`${broker.adminUrl}/docs`);
        await page.waitForSelector('article');
        expect(await page.locator('article').count()).toBe(OPERATIONS.length);
        expect(await page.locator('#postAdminV1SigningKeysRotate h3').textContent()).toBe(
          'post /admin/v1/signing-keys/rotate',
        );

        await page.getByLabel('Filter operations').fill('signing-keys rotate');
        expect(await page.locator('article:visible').count()).toBe(1);
        expect(errors).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});

function pathParameter(name: string): Json {
  return { name, in: 'path', required: true, schema: { type: 'string' } };
}

function withOperation(doc: Json, path: string, operation: Json): Json {
  const paths = doc.paths as Json;
  return {
    ...doc,
    paths: { ...paths, [path]: { get: { responses: { 200: { description: 'ok' } }, ...operation } } },
  };
}
