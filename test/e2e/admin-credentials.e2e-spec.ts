import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startBroker, type Broker } from '../support/broker-harness';

const PLATFORM = {
  name: 'audited-cluster',
  kind: 'kubernetes',
  issuer: 'https://audited.cluster.example',
  jwks: { keys: [] },
};

type Issued = { id: string; name: string; role: string; createdAt: string; credential: string };

describe('admin credentials and roles', () => {
  let broker: Broker;
  let auditor: Issued;
  let admin: Issued;
  const as = (credential: string) => ({ authorization: `Bearer ${credential}` });

  beforeAll(async () => {
    broker = await startBroker();
    const issue = async (name: string, role: string) => {
      const response = await broker.admin('POST', '/admin/v1/credentials', { name, role });
      expect(response.status).toBe(201);
      expect(response.headers.get('cache-control')).toBe('no-store');
      return (await response.json()) as Issued;
    };
    auditor = await issue('reader', 'auditor');
    admin = await issue('operator', 'admin');
    expect((await broker.admin('POST', '/admin/v1/platforms', PLATFORM)).status).toBe(201);
  });

  afterAll(async () => {
    await broker.close();
  });

  it('answers a new credential with its secret, once, and lists credentials without secrets', async () => {
    expect(auditor).toMatchObject({ name: 'reader', role: 'auditor' });
    expect(auditor.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(auditor.credential).toMatch(/^fbk_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(auditor.createdAt)).not.toBeNaN();
    const listed = await broker.admin('GET', '/admin/v1/credentials');
    const { items } = (await listed.json()) as { items: Record<string, unknown>[] };
    expect(items).toEqual(
      expect.arrayContaining([
        { id: auditor.id, name: 'reader', role: 'auditor', createdAt: auditor.createdAt },
        { id: admin.id, name: 'operator', role: 'admin', createdAt: admin.createdAt },
      ]),
    );
    expect(JSON.stringify(items)).not.toContain(auditor.credential);
  });

  it('lets an admin credential do everything the bootstrap credential does', async () => {
    const created = await broker.admin(
      'POST',
      '/admin/v1/platforms',
      { ...PLATFORM, name: 'by-operator', issuer: 'https://by-operator.example' },
      as(admin.credential),
    );
    expect(created.status).toBe(201);
    const listed = await broker.admin('GET', '/admin/v1/credentials', undefined, as(admin.credential));
    expect(listed.status).toBe(200);
  });

  it.each([
    ['GET', '/admin/v1/platforms'],
    ['GET', '/admin/v1/platforms/audited-cluster'],
    ['GET', '/admin/v1/policies'],
    ['GET', '/admin/v1/audit-events'],
    ['GET', '/admin/v1/audit-events/verify'],
    ['GET', '/admin/v1/changes'],
    ['GET', '/admin/v1/signing-keys'],
  ])('lets an auditor %s %s', async (method, path) => {
    const response = await broker.admin(method, path, undefined, as(auditor.credential));
    expect(response.status).toBe(200);
  });

  it('lets an auditor call explain, which writes nothing', async () => {
    const response = await broker.admin(
      'POST',
      '/admin/v1/explain',
      { token: 'not-a-jwt' },
      as(auditor.credential),
    );
    expect(response.status).toBe(200);
  });

  it.each([
    ['POST', '/admin/v1/platforms', { ...PLATFORM, name: 'by-auditor' }, {}],
    ['PUT', '/admin/v1/platforms/audited-cluster', PLATFORM, { 'if-match': '*' }],
    [
      'PATCH',
      '/admin/v1/platforms/audited-cluster',
      { enabled: false },
      { 'if-match': '*', 'content-type': 'application/merge-patch+json' },
    ],
    ['DELETE', '/admin/v1/platforms/audited-cluster', undefined, { 'if-match': '*' }],
    ['POST', '/admin/v1/policies', { name: 'p', platform: 'audited-cluster', condition: 'true' }, {}],
    ['POST', '/admin/v1/signing-keys/rotate', undefined, {}],
    ['POST', '/admin/v1/credentials', { name: 'escalated', role: 'admin' }, {}],
    ['GET', '/admin/v1/credentials', undefined, {}],
    ['DELETE', '/admin/v1/credentials/00000000-0000-4000-8000-000000000000', undefined, {}],
  ])('refuses an auditor %s %s with 403 problem+json', async (method, path, body, headers) => {
    const response = await broker.admin(method, path, body, { ...headers, ...as(auditor.credential) });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 403, title: 'Forbidden' });
  });

  it('changed nothing when it refused the auditor', async () => {
    const platform = await broker.admin('GET', '/admin/v1/platforms/audited-cluster');
    expect(await platform.json()).toMatchObject({ version: 1, enabled: true });
    const credentials = (await (await broker.admin('GET', '/admin/v1/credentials')).json()) as {
      items: { name: string }[];
    };
    expect(credentials.items.map((c) => c.name)).not.toContain('escalated');
  });

  it.each([
    ['no credential', {}],
    ['a wrong credential', as('fbk_not-a-credential-this-broker-issued')],
    ['a non-bearer scheme', { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }],
  ])('answers 401 problem+json to %s', async (_what, headers) => {
    const response = await fetch(`${broker.url}/admin/v1/platforms`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('revokes a credential: 204, then that credential gets 401 while the others still work', async () => {
    const doomed = (await (
      await broker.admin('POST', '/admin/v1/credentials', { name: 'short-lived', role: 'auditor' })
    ).json()) as Issued;
    expect((await broker.admin('GET', '/admin/v1/platforms', undefined, as(doomed.credential))).status).toBe(
      200,
    );
    const revoked = await broker.admin('DELETE', `/admin/v1/credentials/${doomed.id}`, undefined, {
      authorization: `Bearer ${admin.credential}`,
    });
    expect(revoked.status).toBe(204);
    const after = await broker.admin('GET', '/admin/v1/platforms', undefined, as(doomed.credential));
    expect(after.status).toBe(401);
    expect((await broker.admin('GET', '/admin/v1/platforms', undefined, as(auditor.credential))).status).toBe(
      200,
    );
    expect((await broker.admin('GET', '/admin/v1/platforms', undefined, as(ADMIN_TOKEN))).status).toBe(200);
    expect((await broker.admin('DELETE', `/admin/v1/credentials/${doomed.id}`)).status).toBe(404);
  });

  it('revokes only when an If-Match it is sent can hold: a credential has no ETag, so only * does (412 otherwise)', async () => {
    const kept = (await (
      await broker.admin('POST', '/admin/v1/credentials', { name: 'conditional', role: 'auditor' })
    ).json()) as Issued;
    const stale = await broker.admin('DELETE', `/admin/v1/credentials/${kept.id}`, undefined, {
      'if-match': '"1"',
    });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toContain('application/problem+json');
    expect((await broker.admin('GET', '/admin/v1/platforms', undefined, as(kept.credential))).status).toBe(
      200,
    );
    const unknown = await broker.admin(
      'DELETE',
      '/admin/v1/credentials/00000000-0000-4000-8000-000000000000',
      undefined,
      { 'if-match': '"1"' },
    );
    expect(unknown.status).toBe(404);
    const any = await broker.admin('DELETE', `/admin/v1/credentials/${kept.id}`, undefined, {
      'if-match': '*',
    });
    expect(any.status).toBe(204);
  });

  it.each([
    [{ name: 'bootstrap', role: 'admin' }, 'name'],
    [{ name: 'x', role: 'superuser' }, 'role'],
    [{ name: 'x' }, 'role'],
    [{ name: 'x', role: 'admin', credential: 'my-own-secret' }, '(body)'],
  ])('refuses the credential %j with 400 naming %s', async (body, field) => {
    const response = await broker.admin('POST', '/admin/v1/credentials', body);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toContain(field);
  });

  it('refuses a second credential of the same name with 409 naming it', async () => {
    const response = await broker.admin('POST', '/admin/v1/credentials', { name: 'reader', role: 'admin' });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ conflicts: [{ resource: 'credential', name: 'reader' }] });
  });

  it('answers 404 to revoking an id that is not one', async () => {
    const response = await broker.admin('DELETE', '/admin/v1/credentials/not-an-id');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});
