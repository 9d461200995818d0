import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, TestClock, type Broker } from '../support/broker-harness';
import {
  startFakeGitHubActions,
  type FakeGitHubActions,
  type GitHubActionsMintOptions,
} from '../support/fake-github-actions';
import { CLIENT_ASSERTION, JWT_BEARER, JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';

const BROKER_AUDIENCE = 'https://broker.test/token';
const API = 'https://deploy.api.example';
const GITHUB_COM = 'https://token.actions.githubusercontent.com';
const REPOSITORY_ID = '702334411';
const OWNER_ID = '81239001';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function answer(response: Response): Promise<Answer> {
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function latestAuditEvent(broker: Broker, outcome: 'issued' | 'denied') {
  const response = await broker.admin('GET', `/admin/v1/audit-events?outcome=${outcome}&limit=1`);
  const { items } = (await response.json()) as { items: Record<string, unknown>[] };
  return items[0];
}

describe('GitHub Actions platforms through /token', () => {
  const clock = new TestClock(new Date('2026-03-02T09:30:00Z'));
  let broker: Broker;
  let github: FakeGitHubActions;

  const mint = (options: GitHubActionsMintOptions = {}) => github.mint({ aud: BROKER_AUDIENCE, ...options });
  const exchange = async (subjectToken: string) =>
    answer(
      await broker.token({
        grant_type: TOKEN_EXCHANGE,
        subject_token: subjectToken,
        subject_token_type: JWT_TYPE,
        audience: API,
      }),
    );

  beforeAll(async () => {
    github = await startFakeGitHubActions({ now: clock.now });
    broker = await startBroker({}, clock);
    const platform = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'ghes',
      kind: 'github-actions',
      issuer: github.issuer,
      audiences: [BROKER_AUDIENCE],
    });
    expect(platform.status).toBe(201);
    expect(((await platform.json()) as { keys: unknown }).keys).toMatchObject({ ok: true, keyCount: 1 });
    const policy = await broker.admin('POST', '/admin/v1/policies', {
      name: 'octo-repo-deploy',
      platform: 'ghes',
      condition: `identity.repositoryOwnerId == '${OWNER_ID}' && identity.repositoryId == '${REPOSITORY_ID}' && identity.ref == 'refs/heads/main'`,
      subject: "'github:' + identity.repositoryId + ':' + identity.ref",
      audiences: [API],
      scopes: ['deploy'],
      ttlSeconds: 600,
      claims: { repository: 'identity.repository', run_id: 'identity.runId' },
    });
    expect(policy.status).toBe(201);
  });

  afterAll(async () => {
    await broker?.close();
    await github?.close();
  });

  it('exchanges an Actions token (RFC 8693) for an access token keyed on the immutable IDs', async () => {
    const subjectToken = await mint({ environment: 'production' });
    const { status, body } = await exchange(subjectToken);
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'deploy' });
    const { payload } = await jwtVerify(
      body.access_token as string,
      createRemoteJWKSet(new URL(`${broker.url}/jwks`)),
      { issuer: 'https://broker.test', audience: API, typ: 'at+jwt', currentDate: clock.now() },
    );
    expect(payload).toMatchObject({
      sub: `github:${REPOSITORY_ID}:refs/heads/main`,
      client_id: 'repo:octo-org/octo-repo:environment:production',
      scope: 'deploy',
      repository: 'octo-org/octo-repo',
    });
    expect(payload.run_id).toMatch(/^\d+$/);
    expect(await latestAuditEvent(broker, 'issued')).toMatchObject({
      platform: 'ghes',
      issuer: github.issuer,
      subject: 'repo:octo-org/octo-repo:environment:production',
      policy: 'octo-repo-deploy',
      audience: [API],
    });
    expect(github.requests.discovery).toBe(1);
  });

  it.each<[string, GitHubActionsMintOptions]>([
    ['the immutable-ID sub', { subject: 'immutable' }],
    ['a custom sub template', { subject: ['repository_owner_id', 'repository_id', 'context'] }],
    ['the repository after a rename', { repository: 'octo-org/renamed-repo' }],
  ])('grants %s, since the policy reads the IDs, not the sub', async (_name, options) => {
    const { status } = await exchange(await mint(options));
    expect(status).toBe(200);
  });

  it('denies a recycled repository name: same name, other IDs', async () => {
    const { status, body } = await answer(
      await broker.token({
        grant_type: JWT_BEARER,
        assertion: await mint({ repositoryId: '999000111', repositoryOwnerId: '999000222' }),
      }),
    );
    expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await latestAuditEvent(broker, 'denied')).toMatchObject({
      error: 'credential_rejected',
      platform: 'ghes',
      reason: expect.stringContaining('octo-repo-deploy: not_matched') as unknown,
    });
  });

  type Refusal = [name: string, token: () => Promise<string>, reason: string | RegExp];
  const refusals: Refusal[] = [
    [
      'a runner credential signed by the same keys',
      () => github.mintRunnerCredential(),
      'the "sub" claim is missing: a GitHub runner credential is not an Actions OIDC token',
    ],
    [
      'a token without repository_id',
      () => mint({ claims: { repository_id: undefined } }),
      'the "repository_id" claim is missing',
    ],
    [
      'a token issued with GitHub default audience',
      () => github.mint(),
      /^the audience is not accepted: aud \["https:\/\/github\.com\/[^"]+"\] names none of the accepted audiences \["https:\/\/broker\.test\/token"\]$/,
    ],
    [
      'an expired token',
      () => mint({ now: new Date(clock.now().getTime() - 3600_000) }),
      /^the token has expired: exp \S+ \(\d+\) is not after now \S+ \(clock skew \d+ s\)$/,
    ],
    [
      'a token living longer than the one-hour cap',
      () => mint({ lifetimeSeconds: 2 * 3600 }),
      /^the token's lifetime exceeds the platform's limit: exp - iat is 7200 s, over the cap of 3600 s /,
    ],
  ];

  it.each(refusals)(
    'refuses %s (jwt-bearer: 400 invalid_grant), audited with the reason',
    async (_name, token, reason) => {
      const { status, body } = await answer(
        await broker.token({ grant_type: JWT_BEARER, assertion: await token() }),
      );
      expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid_grant' });
      expect(await latestAuditEvent(broker, 'denied')).toMatchObject({
        error: 'credential_rejected',
        platform: 'ghes',
        reason: typeof reason === 'string' ? reason : (expect.stringMatching(reason) as unknown),
      });
    },
  );

  it('refuses a runner credential as a token exchange subject (400 invalid_request)', async () => {
    const { status, body } = await exchange(await github.mintRunnerCredential());
    expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid_request' });
    expect(await latestAuditEvent(broker, 'denied')).toMatchObject({
      error: 'credential_rejected',
      reason: 'the "sub" claim is missing: a GitHub runner credential is not an Actions OIDC token',
    });
  });

  it('refuses an expired client assertion (401 invalid_client)', async () => {
    const assertion = await mint({ now: new Date(clock.now().getTime() - 3600_000) });
    const { status, body } = await answer(
      await broker.token({
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION,
        client_assertion: assertion,
      }),
    );
    expect({ status, error: body.error }).toEqual({ status: 401, error: 'invalid_client' });
    expect(await latestAuditEvent(broker, 'denied')).toMatchObject({
      error: 'credential_rejected',
      reason: expect.stringMatching(/^the token has expired: exp /) as unknown,
    });
  });

  it('refuses a token of an enterprise issuer no platform registers', async () => {
    const enterprise = await startFakeGitHubActions({
      now: clock.now,
      issuerPath: '/octo-corp',
      issuer: `${GITHUB_COM}/octo-corp`,
    });
    try {
      const { status, body } = await answer(
        await broker.token({
          grant_type: JWT_BEARER,
          assertion: await enterprise.mint({ aud: BROKER_AUDIENCE }),
        }),
      );
      expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid_grant' });
      expect(await latestAuditEvent(broker, 'denied')).toMatchObject({
        error: 'credential_rejected',
        platform: null,
        reason: expect.stringContaining(
          `no registered platform issued the credential: none answers to ["iss ${GITHUB_COM}/octo-corp"`,
        ) as unknown,
        unverified: {
          issuer: `${GITHUB_COM}/octo-corp`,
          subject: expect.any(String) as unknown,
          tokenId: expect.any(String) as unknown,
        },
      });
    } finally {
      await enterprise.close();
    }
  });

  it('saves an enterprise platform whose keys cannot be fetched, and answers 503 until they can', async () => {
    const enterprise = await startFakeGitHubActions({
      now: clock.now,
      issuerPath: '/octo-corp',
      issuer: `${GITHUB_COM}/octo-corp`,
    });
    try {
      enterprise.available = false;
      const created = await broker.admin('POST', '/admin/v1/platforms', {
        name: 'octo-corp',
        kind: 'github-actions',
        issuer: `${GITHUB_COM}/octo-corp`,
        jwksUri: enterprise.jwksUri,
        audiences: [BROKER_AUDIENCE],
      });
      expect(created.status).toBe(201);
      expect(((await created.json()) as { keys: unknown }).keys).toMatchObject({ ok: false });
      const { status, body } = await answer(
        await broker.token({
          grant_type: JWT_BEARER,
          assertion: await enterprise.mint({ aud: BROKER_AUDIENCE }),
        }),
      );
      expect({ status, error: body.error }).toEqual({ status: 503, error: 'temporarily_unavailable' });
      expect(await latestAuditEvent(broker, 'denied')).toMatchObject({
        error: 'platform_unavailable',
        platform: 'octo-corp',
        reason: expect.stringMatching(
          /^the platform's keys are unavailable: jwks-uri http:\/\/127\.0\.0\.1:\d+.*: HTTP 503$/,
        ) as unknown,
      });
    } finally {
      await enterprise.close();
    }
  });

  it('refuses a second platform with the same issuer (409), naming the one it collides with', async () => {
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'ghes-again',
      kind: 'github-actions',
      issuer: github.issuer,
      audiences: ['https://other.broker.test'],
    });
    expect(response.status).toBe(409);
    const problem = (await response.json()) as {
      detail: string;
      errors: { field: string; message: string }[];
    };
    expect(problem.detail).toContain('platform ghes already answers to');
    expect(problem.errors).toEqual([{ field: 'issuer', message: 'conflicts with platform ghes' }]);
  });

  it('refuses a GitHub issuer in a form GitHub does not use (400)', async () => {
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'trailing-slash',
      kind: 'github-actions',
      issuer: `${GITHUB_COM}/`,
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { field: string }[] };
    expect(problem.errors.map((e) => e.field)).toEqual(['issuer']);
  });

  it.each([
    ['a misspelt field', "identity.repositoryID == '702334411'", /has no field 'repositoryID'/],
    ['a flag compared with a string', "identity.refProtected == 'true'", /compares a bool with a string/],
  ])(
    'refuses a policy with %s, checked against the kind identity fields (400)',
    async (_name, condition, problem) => {
      const response = await broker.admin('POST', '/admin/v1/policies', {
        name: 'mistyped',
        platform: 'ghes',
        condition,
        audiences: [API],
      });
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toMatch(problem);
    },
  );

  it('explains a decision on the identity fields of the kind', async () => {
    const response = await broker.admin('POST', '/admin/v1/explain', {
      token: await mint({ event: 'workflow_dispatch', refProtected: true }),
      audience: API,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      platform: { name: 'ghes', kind: 'github-actions', issuer: github.issuer },
      identity: {
        repositoryId: REPOSITORY_ID,
        repositoryOwnerId: OWNER_ID,
        eventName: 'workflow_dispatch',
        refProtected: true,
      },
      decision: {
        outcome: 'issue',
        policy: 'octo-repo-deploy',
        subject: `github:${REPOSITORY_ID}:refs/heads/main`,
      },
    });
  });
});

interface RealFixture {
  id: string;
  token: string;
  jwks: { keys: unknown[] };
  issuer: string;
  audience: string | string[] | null;
  now: number;
  expect: 'accept' | 'reject';
  /** The token's claims, decoded: the public issuer's policies must pin the owner. */
  claims: Record<string, unknown>;
}

const fixtureDir = join(__dirname, '..', 'fixtures', 'real');
const githubFixtures = readdirSync(fixtureDir)
  .filter((f) => f.startsWith('github-actions-'))
  .map((f) => JSON.parse(readFileSync(join(fixtureDir, f), 'utf8')) as RealFixture);

describe('real GitHub Actions tokens through /token, at their own fixed clock', () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker();
  });

  afterAll(async () => {
    await broker?.close();
  });

  it.each(githubFixtures)('$id → $expect', async (fixture) => {
    broker.clock.set(new Date(fixture.now * 1000));
    const audiences = fixture.audience === null ? [BROKER_AUDIENCE] : [fixture.audience].flat();
    const platform = {
      name: 'github',
      kind: 'github-actions',
      issuer: fixture.issuer,
      jwks: fixture.jwks,
      audiences,
    };
    expect((await broker.admin('POST', '/admin/v1/platforms', platform)).status).toBe(201);
    const owner = fixture.claims.repository_owner_id;
    const policy = await broker.admin('POST', '/admin/v1/policies', {
      name: 'fixture-owner',
      platform: 'github',
      condition: `identity.repositoryOwnerId == '${typeof owner === 'string' ? owner : 'none'}'`,
      audiences: [API],
    });
    expect(policy.status).toBe(201);
    try {
      const { status } = await broker.token({ grant_type: JWT_BEARER, assertion: fixture.token });
      expect(status === 200 ? 'accept' : 'reject').toBe(fixture.expect);
    } finally {
      for (const path of ['/admin/v1/policies/fixture-owner', '/admin/v1/platforms/github']) {
        expect((await broker.admin('DELETE', path, undefined, { 'if-match': '*' })).status).toBe(204);
      }
    }
  });
});
