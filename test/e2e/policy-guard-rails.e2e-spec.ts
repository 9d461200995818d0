import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startBroker, type Broker } from '../support/broker-harness';

/** A public RSA key: registrations with inline keys fetch nothing. */
const JWKS = {
  keys: [
    {
      kty: 'RSA',
      kid: 'k1',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
    },
  ],
};
const TENANT = '5c1a2f8e-3b7d-4e90-a6c4-2d8f1e9b7a03';
const attested = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/real/azure-imds-attested-2021.json'), 'utf8'),
) as { certificates: string[] };

type Json = Record<string, unknown>;
interface Problem {
  errors?: { field: string; message: string }[];
  conflicts?: { resource: string; name: string }[];
}

const API = 'https://api.example';

describe('policy guard rails for shared issuers', () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker();
    for (const platform of [
      { name: 'github', kind: 'github-actions', issuer: 'https://token.actions.githubusercontent.com' },
      {
        name: 'github-ent',
        kind: 'github-actions',
        issuer: 'https://token.actions.githubusercontent.com/octo-ent',
      },
      { name: 'gitlab', kind: 'gitlab', issuer: 'https://gitlab.com' },
      { name: 'gitlab-self', kind: 'gitlab', issuer: 'https://gitlab.example' },
      { name: 'google', kind: 'gcp', issuer: 'https://accounts.google.com' },
      { name: 'cluster', kind: 'kubernetes', issuer: 'https://kubernetes.default.svc.cluster.local' },
    ]) {
      const response = await broker.admin('POST', '/admin/v1/platforms', { ...platform, jwks: JWKS });
      expect(response.status, await response.clone().text()).toBe(201);
    }
    const azure = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'azure',
      kind: 'azure',
      issuer: `https://sts.windows.net/${TENANT}/`,
      jwks: JWKS,
      audiences: ['api://fedbroker'],
      settings: { tenantId: TENANT, attestedDocuments: { trustAnchors: [attested.certificates[0]] } },
    });
    expect(azure.status, await azure.clone().text()).toBe(201);
  });

  afterAll(async () => {
    await broker.close();
  });

  const create = (name: string, platform: string, condition: string) =>
    broker.admin('POST', '/admin/v1/policies', { name, platform, condition, audiences: [API] });

  it.each([
    ['github', 'true', /platform github signs the tokens of every repository on github.com/],
    [
      'github',
      "identity.repository == 'octo-org/app'",
      /identity.repositoryOwnerId, identity.repositoryId or identity.enterpriseId/,
    ],
    ['github', "identity.repositoryOwnerId == '1' || identity.repository == 'octo-org/app'", /must pin/],
    ['github', "identity.repositoryOwnerId != '1'", /must pin/],
    ['github', "claims.repository_owner_id == '1'", /must pin/],
    ['gitlab', "identity.projectPath == 'group/app' && identity.refProtected", /every project on gitlab.com/],
    [
      'google',
      "identity.serviceAccountEmail == 'ci@p.iam.gserviceaccount.com'",
      /every Google Cloud project/,
    ],
    ['azure', "identity.resourceGroup == 'payments'", /attested documents of every Azure subscription/],
  ])(
    'refuses a policy of %s whose condition %s pins no tenant (400)',
    async (platform, condition, message) => {
      const response = await create('unpinned', platform, condition);
      expect(response.status).toBe(400);
      const problem = (await response.json()) as Problem;
      expect(problem.errors).toEqual([
        { field: 'condition', message: expect.stringMatching(message) as unknown },
      ]);
      expect((await broker.admin('GET', '/admin/v1/policies/unpinned')).status).toBe(404);
    },
  );

  it.each([
    ['github', "identity.repositoryOwnerId == '81239001' && identity.ref == 'refs/heads/main'"],
    ['github', "identity.repositoryId in ['1', '2'] && identity.environment == 'prod'"],
    ['github', "identity['enterpriseId'] == '77'"],
    ['github-ent', "identity.repository == 'octo-org/app'"],
    ['gitlab', "identity.namespaceId == '9970012' && identity.refProtected"],
    ['gitlab', "'48213307' == identity.projectId"],
    ['gitlab-self', "identity.projectPath == 'group/app'"],
    ['google', "identity.projectNumber == '123456789012'"],
    ['google', "identity.serviceAccountId == '113'"],
    ['azure', "identity.tenantId == '5c1a2f8e-3b7d-4e90-a6c4-2d8f1e9b7a03' && identity.objectId == 'x'"],
    ['azure', "identity.vmId == 'x'"],
    ['cluster', 'true'],
  ])('accepts a policy of %s with the condition %s', async (platform, condition) => {
    const response = await create('pinned', platform, condition);
    expect(response.status, await response.clone().text()).toBe(201);
    expect(
      (await broker.admin('DELETE', '/admin/v1/policies/pinned', undefined, { 'if-match': '*' })).status,
    ).toBe(204);
  });

  it('applies the rule to replacements and merge patches too', async () => {
    expect((await create('octo', 'github', "identity.repositoryOwnerId == '1'")).status).toBe(201);
    const patched = await fetch(`${broker.url}/admin/v1/policies/octo`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': 'application/merge-patch+json',
        'if-match': '*',
      },
      body: JSON.stringify({ condition: "identity.repository == 'octo-org/app'" }),
    });
    expect(patched.status).toBe(400);
    const put = await broker.admin(
      'PUT',
      '/admin/v1/policies/octo',
      { name: 'octo', platform: 'github', condition: 'true', audiences: [API] },
      { 'if-match': '*' },
    );
    expect(put.status).toBe(400);
    await broker.admin('DELETE', '/admin/v1/policies/octo', undefined, { 'if-match': '*' });
  });

  it('refuses to make a platform a shared issuer while its policies pin no tenant (409 naming them)', async () => {
    expect((await create('names-only', 'github-ent', "identity.repository == 'octo-org/app'")).status).toBe(
      201,
    );
    await broker.admin('DELETE', '/admin/v1/platforms/github', undefined, { 'if-match': '*' });
    const moved = await broker.admin(
      'PUT',
      '/admin/v1/platforms/github-ent',
      {
        name: 'github-ent',
        kind: 'github-actions',
        issuer: 'https://token.actions.githubusercontent.com',
        jwks: JWKS,
      },
      { 'if-match': '*' },
    );
    expect(moved.status).toBe(409);
    const problem = (await moved.json()) as Problem;
    expect(problem.conflicts).toEqual([{ resource: 'policy', name: 'names-only' }]);
    const platform = (await (await broker.admin('GET', '/admin/v1/platforms/github-ent')).json()) as Json;
    expect(platform.issuer).toBe('https://token.actions.githubusercontent.com/octo-ent');
    await broker.admin('DELETE', '/admin/v1/policies/names-only', undefined, { 'if-match': '*' });
  });

  it('applies the same rules in a bulk apply: the platform and the policies as the apply leaves them', async () => {
    expect((await create('names-again', 'github-ent', "identity.repository == 'octo-org/app'")).status).toBe(
      201,
    );
    const shared = {
      name: 'github-ent',
      kind: 'github-actions',
      issuer: 'https://token.actions.githubusercontent.com',
      jwks: JWKS,
    };
    const refused = await broker.admin('POST', '/admin/v1/apply', { platforms: [shared] });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Problem).errors).toEqual([
      {
        field: 'platforms.0.issuer',
        message: expect.stringContaining('policies names-again pin no tenant field') as unknown,
      },
    ]);
    const unpinnedItem = { name: 'names-again', platform: 'github-ent', condition: 'true', audiences: [API] };
    const stillRefused = await broker.admin('POST', '/admin/v1/apply', {
      platforms: [shared],
      policies: [unpinnedItem],
    });
    expect(((await stillRefused.json()) as Problem).errors).toEqual([
      { field: 'policies.0.condition', message: expect.stringContaining('must pin') as unknown },
    ]);
    const pinned = { ...unpinnedItem, condition: "identity.repositoryOwnerId == '81239001'" };
    const applied = await broker.admin('POST', '/admin/v1/apply', {
      platforms: [shared],
      policies: [pinned],
    });
    expect(applied.status, await applied.clone().text()).toBe(200);
    expect(await applied.json()).toMatchObject({
      updated: [
        { resource: 'platform', name: 'github-ent' },
        { resource: 'policy', name: 'names-again' },
      ],
    });
  });
});
