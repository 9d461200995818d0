import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../support/broker-harness';

const PLATFORM = {
  name: 'strings-cluster',
  kind: 'kubernetes',
  issuer: 'https://strings.cluster.example',
  jwks: {
    keys: [
      {
        kty: 'EC',
        crv: 'P-256',
        kid: 'cluster-key-1',
        x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
        y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
      },
    ],
  },
  audiences: ['https://broker.test/token'],
};
const POLICY = {
  name: 'strings-policy',
  platform: 'strings-cluster',
  condition: "identity.namespace == 'payments'",
  audiences: ['https://api.payments.example'],
};

const NUL = '\u0000';
const LONE_SURROGATE = '\ud800';

interface Problem {
  status: number;
  errors: { field: string; message: string }[];
}

describe('admin strings PostgreSQL cannot store', () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker();
    const created = await broker.admin('POST', '/admin/v1/platforms', PLATFORM);
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await broker.close();
  });

  async function expectRefused(response: Response, field: string): Promise<void> {
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as Problem;
    expect(problem.errors.map((e) => e.field)).toContain(field);
  }

  describe.each([
    ['a NUL character', NUL],
    ['a lone surrogate', LONE_SURROGATE],
  ])('holding %s', (_name, bad) => {
    it.each<[string, Record<string, unknown>, string]>([
      ['issuer', { issuer: `https://x.example/${bad}` }, 'issuer'],
      ['an audience', { audiences: [`https://a.example/${bad}`] }, 'audiences.0'],
      [
        'a jwks member',
        { jwks: { keys: [{ ...PLATFORM.jwks.keys[0], kid: `k${bad}` }] } },
        'jwks.keys.0.kid',
      ],
      ['a settings key', { settings: { [`k${bad}`]: 1 } }, 'settings'],
    ])('refuses a platform whose %s does (400 naming it)', async (_what, change, field) => {
      const response = await broker.admin('POST', '/admin/v1/platforms', {
        ...PLATFORM,
        name: 'bad-strings',
        issuer: 'https://bad.strings.example',
        ...change,
      });
      await expectRefused(response, field);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['condition', { condition: `identity.namespace == '${bad}'` }, 'condition'],
      ['subject', { subject: `'${bad}'` }, 'subject'],
      ['an audience', { audiences: [`https://api.example/${bad}`] }, 'audiences.0'],
      ['a claim expression', { claims: { ns: `'${bad}'` } }, 'claims.ns'],
      ['a claim name', { claims: { [`n${bad}s`]: 'identity.namespace' } }, 'claims'],
    ])('refuses a policy whose %s does (400 naming it)', async (_what, change, field) => {
      const response = await broker.admin('POST', '/admin/v1/policies', {
        ...POLICY,
        ...change,
      });
      await expectRefused(response, field);
    });

    it('refuses it in a PUT too', async () => {
      const response = await broker.admin(
        'PUT',
        '/admin/v1/platforms/strings-cluster',
        { ...PLATFORM, issuer: `https://strings.cluster.example/${bad}` },
        { 'if-match': '*' },
      );
      await expectRefused(response, 'issuer');
    });
  });

  it.each([
    ['/admin/v1/audit-events?platform=%00', 'platform'],
    ['/admin/v1/audit-events?subject=a%00b', 'subject'],
    ['/admin/v1/policies?platform=%00', 'platform'],
    ['/admin/v1/changes?name=%00', 'name'],
    ['/admin/v1/changes?actor=a%00b', 'actor'],
  ])('refuses the filter %s with 400 naming it', async (path, field) => {
    await expectRefused(await broker.admin('GET', path), field);
  });

  const nested = (depth: number): unknown => {
    let value: unknown = 1;
    for (let level = 0; level < depth; level++) value = [value];
    return value;
  };

  it.each([40, 2000])('refuses free-form JSON nested %i levels deep (400 naming it)', async (depth) => {
    await expectRefused(
      await broker.admin('POST', '/admin/v1/platforms', {
        ...PLATFORM,
        name: 'deep-settings',
        issuer: 'https://deep.strings.example',
        settings: { deep: nested(depth) },
      }),
      'settings.deep',
    );
    await expectRefused(
      await broker.admin('POST', '/admin/v1/policies', {
        ...POLICY,
        name: 'deep-test',
        tests: [{ name: 'deep', claims: { deep: nested(depth) }, expect: 'no_match' }],
      }),
      'tests.0.claims.deep',
    );
  });

  it.each(['/admin/v1/platforms/%00', '/admin/v1/policies/a%00b'])(
    'answers 404 for %s, a name that cannot exist',
    async (path) => {
      const response = await broker.admin('GET', path);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    },
  );
});
