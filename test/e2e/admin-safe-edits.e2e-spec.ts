import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startBroker, type Broker } from '../support/broker-harness';

type Json = Record<string, unknown>;

const KEY = {
  kty: 'EC',
  crv: 'P-256',
  kid: 'cluster-key-1',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
};
const platform = (name: string): Json => ({
  name,
  kind: 'kubernetes',
  issuer: `https://${name}.cluster.example`,
  jwks: { keys: [KEY] },
});
const policy = (name: string, on: string): Json => ({
  name,
  platform: on,
  condition: "identity.namespace == 'payments'",
  actorCondition: "actor.namespace == 'ci'",
  audiences: ['https://api.payments.example'],
});
const MERGE_PATCH = { 'content-type': 'application/merge-patch+json' };

describe('safe admin edits', () => {
  let broker: Broker;

  const create = async (path: string, body: Json): Promise<Json> => {
    const response = await broker.admin('POST', path, body);
    expect(response.status).toBe(201);
    return (await response.json()) as Json;
  };
  const read = async (path: string): Promise<{ body: Json; etag: string }> => {
    const response = await broker.admin('GET', path);
    expect(response.status).toBe(200);
    return { body: (await response.json()) as Json, etag: response.headers.get('etag') ?? '' };
  };
  const fieldsOf = async (response: Response): Promise<string[]> =>
    ((await response.json()) as { errors?: { field: string }[] }).errors?.map((e) => e.field) ?? [];

  beforeAll(async () => {
    broker = await startBroker();
  });

  afterAll(async () => {
    await broker.close();
  });

  describe('If-Match', () => {
    beforeAll(async () => {
      await create('/admin/v1/platforms', platform('guarded'));
      await create('/admin/v1/policies', policy('guarded-policy', 'guarded'));
    });

    it.each([
      ['PUT', '/admin/v1/platforms/guarded', platform('guarded'), {}],
      ['PATCH', '/admin/v1/platforms/guarded', { enabled: false }, MERGE_PATCH],
      ['DELETE', '/admin/v1/platforms/guarded', undefined, {}],
      ['PUT', '/admin/v1/policies/guarded-policy', policy('guarded-policy', 'guarded'), {}],
      ['PATCH', '/admin/v1/policies/guarded-policy', { priority: 3 }, MERGE_PATCH],
      ['DELETE', '/admin/v1/policies/guarded-policy', undefined, {}],
    ])(
      'is required on %s %s (428 problem+json), which then changes nothing',
      async (method, path, body, headers) => {
        const response = await broker.admin(method, path, body, headers);
        expect(response.status).toBe(428);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        expect((await read(path)).body.version).toBe(1);
      },
    );

    it.each([
      ['PUT', '/admin/v1/platforms/guarded', platform('guarded'), {}],
      ['PATCH', '/admin/v1/platforms/guarded', { enabled: false }, MERGE_PATCH],
      ['DELETE', '/admin/v1/platforms/guarded', undefined, {}],
      ['PATCH', '/admin/v1/policies/guarded-policy', { priority: 3 }, MERGE_PATCH],
      ['DELETE', '/admin/v1/policies/guarded-policy', undefined, {}],
    ])('answers %s %s against a stale version with 412', async (method, path, body, headers) => {
      const response = await broker.admin(method, path, body, { ...headers, 'if-match': '"7"' });
      expect(response.status).toBe(412);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    });

    it('lets exactly one of fifty concurrent writers with the same If-Match through', async () => {
      await create('/admin/v1/platforms', platform('contended'));
      const { body, etag } = await read('/admin/v1/platforms/contended');
      const writers = Array.from({ length: 50 }, (_, i) =>
        broker.admin(
          'PUT',
          '/admin/v1/platforms/contended',
          { ...body, clockSkewSeconds: i },
          { 'if-match': etag },
        ),
      );
      const statuses = (await Promise.all(writers)).map((response) => response.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 412)).toHaveLength(49);
      expect((await read('/admin/v1/platforms/contended')).body.version).toBe(2);
      const history = (await (
        await broker.admin('GET', '/admin/v1/changes?resource=platform&name=contended')
      ).json()) as { items: { action: string }[] };
      expect(history.items.map((c) => c.action)).toEqual(['update', 'create']);
    });
  });

  describe('a body read with GET, sent back with PUT', () => {
    it.each([
      ['platform', '/admin/v1/platforms', platform('round-trip')],
      ['policy', '/admin/v1/policies', policy('round-trip-policy', 'guarded')],
    ])('is accepted unchanged for a %s, changing nothing', async (_what, collection, body) => {
      await create(collection, body);
      const path = `${collection}/${String(body.name)}`;
      const before = await read(path);
      const response = await broker.admin('PUT', path, before.body, { 'if-match': before.etag });
      expect(response.status).toBe(200);
      const after = await read(path);
      expect(after.body).toEqual(before.body);
      expect(after.etag).toBe(before.etag);
    });

    it('is accepted with a change, and the read-only members move on', async () => {
      const { body, etag } = await read('/admin/v1/platforms/round-trip');
      const response = await broker.admin(
        'PUT',
        '/admin/v1/platforms/round-trip',
        { ...body, clockSkewSeconds: 5 },
        { 'if-match': etag },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: body.id, version: 2, clockSkewSeconds: 5 });
    });

    it('is accepted with the keys report a write answered with', async () => {
      const written = await create('/admin/v1/platforms', platform('with-report'));
      expect(written.keys).toMatchObject({ ok: true });
      const response = await broker.admin('PUT', '/admin/v1/platforms/with-report', written, {
        'if-match': '"1"',
      });
      expect(response.status).toBe(200);
    });

    it.each([
      ['id', '00000000-0000-4000-8000-000000000000'],
      ['version', 1],
      ['createdAt', '2001-01-01T00:00:00.000Z'],
      ['updatedAt', 'not a time'],
    ])('is refused when its read-only %s disagrees (400 naming it)', async (field, value) => {
      const { body, etag } = await read('/admin/v1/platforms/round-trip');
      const response = await broker.admin(
        'PUT',
        '/admin/v1/platforms/round-trip',
        { ...body, [field]: value },
        { 'if-match': etag },
      );
      expect(response.status).toBe(400);
      expect(await fieldsOf(response)).toEqual([field]);
    });

    it('is refused when it renames the resource', async () => {
      const { body, etag } = await read('/admin/v1/policies/round-trip-policy');
      const response = await broker.admin(
        'PUT',
        '/admin/v1/policies/round-trip-policy',
        { ...body, name: 'renamed' },
        { 'if-match': etag },
      );
      expect(response.status).toBe(400);
      expect(await fieldsOf(response)).toEqual(['name']);
    });
  });

  describe('PATCH with a JSON merge patch (RFC 7396)', () => {
    beforeAll(async () => {
      await create('/admin/v1/platforms', {
        ...platform('patched'),
        audiences: ['https://a.example'],
        clockSkewSeconds: 30,
      });
      await create('/admin/v1/policies', {
        ...policy('patched-policy', 'patched'),
        claims: { ns: 'identity.namespace' },
      });
    });

    it('changes what the patch names and keeps the rest', async () => {
      const { body, etag } = await read('/admin/v1/platforms/patched');
      const response = await broker.admin(
        'PATCH',
        '/admin/v1/platforms/patched',
        { clockSkewSeconds: 10, enabled: false },
        { ...MERGE_PATCH, 'if-match': etag },
      );
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toBe('"2"');
      const { updatedAt: _moved, ...unchanged } = body;
      expect(await response.json()).toMatchObject({
        ...unchanged,
        clockSkewSeconds: 10,
        enabled: false,
        version: 2,
      });
    });

    it('removes a member the patch sets to null, which then takes its default', async () => {
      const response = await broker.admin(
        'PATCH',
        '/admin/v1/platforms/patched',
        { audiences: null },
        { ...MERGE_PATCH, 'if-match': '"2"' },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        audiences: ['https://broker.test', 'https://broker.test/token'],
      });
    });

    it('merges nested objects member by member and removes optional members of a policy', async () => {
      const response = await broker.admin(
        'PATCH',
        '/admin/v1/policies/patched-policy',
        { claims: { pod: 'identity.podName' }, actorCondition: null },
        { ...MERGE_PATCH, 'if-match': '"1"' },
      );
      expect(response.status).toBe(200);
      const patched = (await response.json()) as Json;
      expect(patched.claims).toEqual({ ns: 'identity.namespace', pod: 'identity.podName' });
      expect(patched).not.toHaveProperty('actorCondition');
    });

    it.each([
      [{ version: 9 }, 'version'],
      [{ name: 'other' }, 'name'],
      [{ clockSkewSeconds: 'ten' }, 'clockSkewSeconds'],
      [{ surprise: true }, '(body)'],
    ])('refuses the patch %j with 400 naming %s', async (patch, field) => {
      const { etag } = await read('/admin/v1/platforms/patched');
      const response = await broker.admin('PATCH', '/admin/v1/platforms/patched', patch, {
        ...MERGE_PATCH,
        'if-match': etag,
      });
      expect(response.status).toBe(400);
      expect(await fieldsOf(response)).toContain(field);
    });

    it('refuses a patch sent as application/json with 415 and Accept-Patch', async () => {
      const response = await broker.admin(
        'PATCH',
        '/admin/v1/platforms/patched',
        { enabled: true },
        { 'if-match': '*' },
      );
      expect(response.status).toBe(415);
      expect(response.headers.get('accept-patch')).toBe('application/merge-patch+json');
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    });
  });

  describe('409 names what the write conflicts with', () => {
    beforeAll(async () => {
      await create('/admin/v1/platforms', platform('east'));
      await create('/admin/v1/policies', policy('east-a', 'east'));
      await create('/admin/v1/policies', policy('east-b', 'east'));
    });

    const conflictOf = async (response: Response): Promise<unknown> => {
      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      return ((await response.json()) as Json).conflicts;
    };

    it('a platform of the same name', async () => {
      const response = await broker.admin('POST', '/admin/v1/platforms', {
        ...platform('east'),
        issuer: 'https://elsewhere.example',
      });
      expect(await conflictOf(response)).toEqual([{ resource: 'platform', name: 'east' }]);
    });

    it('a platform the broker could not tell apart from another', async () => {
      const response = await broker.admin('POST', '/admin/v1/platforms', {
        ...platform('east'),
        name: 'west',
      });
      expect(await conflictOf(response)).toEqual([{ resource: 'platform', name: 'east' }]);
    });

    it('a policy of the same name', async () => {
      const response = await broker.admin('POST', '/admin/v1/policies', policy('east-a', 'east'));
      expect(await conflictOf(response)).toEqual([{ resource: 'policy', name: 'east-a' }]);
    });

    it('the policies still using a platform that is being deleted', async () => {
      const response = await broker.admin('DELETE', '/admin/v1/platforms/east', undefined, {
        'if-match': '*',
      });
      expect(await conflictOf(response)).toEqual([
        { resource: 'policy', name: 'east-a' },
        { resource: 'policy', name: 'east-b' },
      ]);
    });

    it('the signing key still pending when another rotation is asked for', async () => {
      const pending = await broker.admin('POST', '/admin/v1/signing-keys/rotate', {
        activateAfterSeconds: 600,
      });
      const { kid } = (await pending.json()) as { kid: string };
      const again = await broker.admin('POST', '/admin/v1/signing-keys/rotate');
      expect(await conflictOf(again)).toEqual([{ resource: 'signing-key', name: kid }]);
      broker.clock.advance(600);
    });
  });

  describe('refusals of the HTTP layer are problem+json too', () => {
    const raw = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
      fetch(`${broker.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
        body,
      });
    const expectProblem = async (response: Response, status: number): Promise<Json> => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const body = (await response.json()) as Json;
      expect(body).toMatchObject({ type: 'about:blank', status });
      return body;
    };

    it('malformed JSON (400, naming the body)', async () => {
      const body = await expectProblem(
        await raw('POST', '/admin/v1/platforms', { 'content-type': 'application/json' }, '{"name": '),
        400,
      );
      expect(body.errors).toEqual([
        { field: '(body)', message: expect.stringContaining('not valid JSON') as unknown },
      ]);
    });

    it('a __proto__ member (400)', async () => {
      await expectProblem(
        await raw('POST', '/admin/v1/platforms', { 'content-type': 'application/json' }, '{"__proto__": {}}'),
        400,
      );
    });

    it('an undecodable path parameter (400, naming it)', async () => {
      const body = await expectProblem(await raw('GET', '/admin/v1/platforms/%E0%A4%A'), 400);
      expect(body.errors).toEqual([{ field: 'name', message: expect.any(String) as unknown }]);
    });

    it('an unknown admin route (404)', async () => {
      await expectProblem(await raw('GET', '/admin/v1/no-such-thing'), 404);
      await expectProblem(await raw('GET', '/admin/v2/platforms'), 404);
    });

    it('a method the route does not take (405, with Allow)', async () => {
      const response = await raw('POST', '/admin/v1/audit-events');
      await expectProblem(response, 405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
      const onResource = await raw('POST', '/admin/v1/platforms/east');
      await expectProblem(onResource, 405);
      expect(onResource.headers.get('allow')).toBe('DELETE, GET, HEAD, PATCH, PUT');
    });

    it('a body over 1 MiB (413)', async () => {
      const big = JSON.stringify({ ...platform('big'), caBundle: 'x'.repeat(1_100_000) });
      await expectProblem(
        await raw('POST', '/admin/v1/platforms', { 'content-type': 'application/json' }, big),
        413,
      );
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])(
      'a %s body (415, naming Content-Type)',
      async (type) => {
        const body = await expectProblem(
          await raw('POST', '/admin/v1/platforms', { 'content-type': type }, 'name=x'),
          415,
        );
        expect(body.errors).toEqual([{ field: 'Content-Type', message: 'must be application/json' }]);
      },
    );

    it('accepts a body-less DELETE sent with Content-Type: application/json', async () => {
      await create('/admin/v1/platforms', platform('deleted-with-type'));
      const response = await raw('DELETE', '/admin/v1/platforms/deleted-with-type', {
        'content-type': 'application/json',
        'if-match': '"1"',
      });
      expect(response.status).toBe(204);
    });

    it('a body-less POST sent with Content-Type: application/json (400, naming the body)', async () => {
      const body = await expectProblem(
        await raw('POST', '/admin/v1/platforms', { 'content-type': 'application/json' }),
        400,
      );
      expect(body.errors).toEqual([expect.objectContaining({ field: '(body)' })]);
    });
  });
});
