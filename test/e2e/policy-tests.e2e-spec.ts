import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startBroker, type Broker } from '../support/broker-harness';

const API = 'https://api.example';
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const JWKS = {
  keys: [
    {
      kty: 'EC',
      crv: 'P-256',
      kid: 'cluster-key-1',
      x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
      y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
    },
  ],
};

type Json = Record<string, unknown>;
interface Problem {
  errors?: { field: string; message: string }[];
}

const DEPLOYER = {
  subject: 'system:serviceaccount:payments:deployer',
  namespace: 'payments',
  serviceAccount: 'deployer',
  serviceAccountUid: 'u-1',
};

const TESTS = [
  { name: 'the deployer', identity: DEPLOYER, expect: 'match' },
  {
    name: 'another service account',
    identity: { ...DEPLOYER, serviceAccountUid: 'u-2' },
    expect: 'no_match',
  },
  {
    name: 'from claims alone',
    claims: { sub: 'system:serviceaccount:payments:deployer', uid: 'u-1' },
    expect: 'no_match',
  },
];

const POLICY = {
  name: 'deployer',
  platform: 'cluster',
  condition: "identity.namespace == 'payments' && identity.serviceAccountUid == 'u-1'",
  subject: "'k8s:' + identity.namespace + ':' + identity.serviceAccount",
  audiences: [API],
  tests: TESTS,
};

describe('policy tests', () => {
  let broker: Broker;
  let auditor = '';

  beforeAll(async () => {
    broker = await startBroker();
    const platform = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'cluster',
      kind: 'kubernetes',
      issuer: ISSUER,
      jwks: JWKS,
    });
    expect(platform.status).toBe(201);
    const credential = await broker.admin('POST', '/admin/v1/credentials', {
      name: 'reader',
      role: 'auditor',
    });
    auditor = ((await credential.json()) as { credential: string }).credential;
  });

  afterAll(async () => {
    await broker.close();
  });

  const runTests = (name: string, token = ADMIN_TOKEN) =>
    fetch(`${broker.url}/admin/v1/policies/${name}/test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });

  it('saves a policy whose tests pass, and shows them', async () => {
    const created = await broker.admin('POST', '/admin/v1/policies', POLICY);
    expect(created.status, await created.clone().text()).toBe(201);
    const read = (await (await broker.admin('GET', '/admin/v1/policies/deployer')).json()) as Json;
    expect(read.tests).toEqual(TESTS);
  });

  it('runs the stored tests on demand: name, passed, outcome, reason', async () => {
    const response = await runTests('deployer');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      results: [
        { name: 'the deployer', passed: true, outcome: 'match', reason: 'subject k8s:payments:deployer' },
        { name: 'another service account', passed: true, outcome: 'no_match', reason: 'condition is false' },
        {
          name: 'from claims alone',
          passed: true,
          outcome: 'no_match',
          reason: expect.stringMatching(/^condition: .*namespace/) as unknown,
        },
      ],
    });
  });

  it('lets an auditor run them (they write nothing)', async () => {
    expect((await runTests('deployer', auditor)).status).toBe(200);
  });

  it('refuses tests sent in the body (it runs the stored ones only): 400 naming them', async () => {
    const response = await broker.admin('POST', '/admin/v1/policies/deployer/test', { tests: TESTS });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { field: string; message: string }[] };
    expect(problem.errors).toEqual([
      { field: '(body)', message: expect.stringContaining('tests') as string },
    ]);
    expect((await broker.admin('POST', '/admin/v1/policies/deployer/test', {})).status).toBe(200);
  });

  it('answers 404 for a policy that does not exist', async () => {
    expect((await runTests('nobody')).status).toBe(404);
  });

  it.each([
    ['POST', '/admin/v1/policies', { ...POLICY, name: 'other' }],
    ['PUT', '/admin/v1/policies/deployer', POLICY],
  ])('refuses a %s whose test fails (400 listing the failing cases)', async (method, path, body) => {
    const broken = { ...body, condition: "identity.namespace == 'payments'" };
    const response = await broker.admin(method, path, broken, { 'if-match': '*' });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as Problem;
    expect(problem.errors).toEqual([
      {
        field: 'tests.1',
        message: 'another service account: expected no_match, got match (subject k8s:payments:deployer)',
      },
    ]);
    const stored = (await (await broker.admin('GET', '/admin/v1/policies/deployer')).json()) as Json;
    expect(stored.condition).toBe(POLICY.condition);
  });

  it('refuses a merge patch that breaks a test, and one that breaks the subject (error never passes)', async () => {
    const patch = (body: Json) =>
      fetch(`${broker.url}/admin/v1/policies/deployer`, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/merge-patch+json',
          'if-match': '*',
        },
        body: JSON.stringify(body),
      });
    const condition = await patch({ condition: 'true' });
    expect(condition.status).toBe(400);
    const subject = await patch({ subject: 'identity.podName' });
    expect(subject.status).toBe(400);
    expect(((await subject.json()) as Problem).errors).toEqual([
      {
        field: 'tests.0',
        message: expect.stringMatching(
          /^the deployer: expected match, got error \(subject: .*podName/,
        ) as unknown,
      },
    ]);
  });

  it.each([
    [
      'a misspelt identity field',
      { name: 't', identity: { namespce: 'payments' }, expect: 'match' },
      'tests.0.identity.namespce',
    ],
    [
      'a field of the wrong type',
      { name: 't', identity: { namespace: 7 }, expect: 'match' },
      'tests.0.identity.namespace',
    ],
    ['neither identity nor claims', { name: 't', expect: 'match' }, 'tests.0'],
    ['an unknown expectation', { name: 't', identity: DEPLOYER, expect: 'maybe' }, 'tests.0.expect'],
    ['an unknown member', { name: 't', identity: DEPLOYER, expect: 'match', extra: 1 }, 'tests.0'],
  ])('refuses a test with %s (400 naming it)', async (_case, test, field) => {
    const response = await broker.admin('POST', '/admin/v1/policies', {
      ...POLICY,
      name: 'bad-test',
      tests: [test],
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Problem).errors?.map((e) => e.field)).toContain(field);
  });

  it('refuses two tests of one name', async () => {
    const [first] = TESTS;
    const response = await broker.admin('POST', '/admin/v1/policies', {
      ...POLICY,
      name: 'twice',
      tests: [first, first],
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Problem).errors).toEqual([
      { field: 'tests', message: 'test names must not repeat' },
    ]);
  });

  it('fills platform, kind and issuer of a test identity from the policy platform', async () => {
    const response = await broker.admin('POST', '/admin/v1/policies', {
      ...POLICY,
      name: 'common-fields',
      condition: `identity.platform == 'cluster' && identity.kind == 'kubernetes' && identity.issuer == '${ISSUER}' && identity.serviceAccountUid == 'u-1'`,
      tests: [{ name: 'filled', identity: DEPLOYER, expect: 'match' }],
    });
    expect(response.status, await response.clone().text()).toBe(201);
  });

  it('tests an actor and a request', async () => {
    const response = await broker.admin('POST', '/admin/v1/policies', {
      ...POLICY,
      name: 'delegated',
      condition: "identity.serviceAccountUid == 'u-1' && 'deploy' in request.scopes",
      actorCondition: "actor.namespace == 'ci'",
      tests: [
        {
          name: 'ci acts',
          identity: DEPLOYER,
          actor: { namespace: 'ci' },
          request: { scopes: ['deploy'] },
          expect: 'match',
        },
        {
          name: 'web acts',
          identity: DEPLOYER,
          actor: { namespace: 'web' },
          request: { scopes: ['deploy'] },
          expect: 'no_match',
        },
        { name: 'no deploy scope', identity: DEPLOYER, request: { scopes: ['read'] }, expect: 'no_match' },
      ],
    });
    expect(response.status, await response.clone().text()).toBe(201);
  });
});
