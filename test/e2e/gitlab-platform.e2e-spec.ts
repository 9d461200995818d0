import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, TestClock, type Broker } from '../support/broker-harness';
import { startFakeGitLab, type FakeGitLab, type GitLabMintOptions } from '../support/fake-gitlab';
import { JWT_BEARER, JWT_TYPE, TOKEN_EXCHANGE } from '../support/oauth-urns';

const BROKER_AUDIENCE = 'https://broker.test/token';
const API = 'https://artifacts.api.example';
const PAYMENTS = { id: '48213307', path: 'acme/payments', namespaceId: '9970012' };
const FORK = { id: '61550420', path: 'mallory/payments', namespaceId: '10440111' };

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

describe('GitLab CI platforms through /token', () => {
  const clock = new TestClock(new Date('2026-03-02T09:30:00Z'));
  let broker: Broker;
  let gitlab: FakeGitLab;

  const mint = (options: GitLabMintOptions = {}) => gitlab.mint({ aud: BROKER_AUDIENCE, ...options });
  const bearer = async (assertion: string) =>
    answer(await broker.token({ grant_type: JWT_BEARER, assertion }));

  beforeAll(async () => {
    gitlab = await startFakeGitLab({ now: clock.now, relativeUrlRoot: '/gitlab' });
    broker = await startBroker({}, clock);
    const platform = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'gitlab-internal',
      kind: 'gitlab',
      issuer: gitlab.issuer,
      audiences: [BROKER_AUDIENCE],
    });
    expect(platform.status).toBe(201);
    expect(((await platform.json()) as { keys: unknown }).keys).toMatchObject({ ok: true, keyCount: 1 });
    const policy = await broker.admin('POST', '/admin/v1/policies', {
      name: 'payments-release',
      platform: 'gitlab-internal',
      condition: `identity.namespaceId == '${PAYMENTS.namespaceId}' && identity.projectId == '${PAYMENTS.id}' && identity.refProtected`,
      subject: "'gitlab:' + identity.projectId + ':' + identity.refPath",
      audiences: [API],
      scopes: ['artifacts.write'],
      ttlSeconds: 300,
      claims: { pipeline: 'identity.pipelineId', user: 'identity.userId' },
    });
    expect(policy.status).toBe(201);
  });

  afterAll(async () => {
    await broker?.close();
    await gitlab?.close();
  });

  it('exchanges an ID token of an instance under a relative URL root for an access token', async () => {
    const response = await broker.token({
      grant_type: TOKEN_EXCHANGE,
      subject_token: await mint(),
      subject_token_type: JWT_TYPE,
    });
    const { status, body } = await answer(response);
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'artifacts.write' });
    const { payload } = await jwtVerify(
      body.access_token as string,
      createRemoteJWKSet(new URL(`${broker.url}/jwks`)),
      { issuer: 'https://broker.test', audience: API, typ: 'at+jwt', currentDate: clock.now() },
    );
    expect(payload).toMatchObject({
      sub: `gitlab:${PAYMENTS.id}:refs/heads/main`,
      client_id: 'project_path:acme/payments:ref_type:branch:ref:main',
      user: '1203885',
    });
    expect(payload.pipeline).toMatch(/^\d+$/);
    expect(await latestAuditEvent(broker, 'issued')).toMatchObject({
      platform: 'gitlab-internal',
      issuer: gitlab.issuer,
      policy: 'payments-release',
      audience: [API],
    });
    expect(gitlab.requests).toMatchObject({ discovery: 1, keys: 1 });
  });

  it('grants the project after it moved to another path, since the policy reads the IDs', async () => {
    const { status } = await bearer(await mint({ project: { ...PAYMENTS, path: 'acme/billing/payments' } }));
    expect(status).toBe(200);
  });

  it.each<[string, GitLabMintOptions]>([
    [
      'a merge request pipeline of a fork run in the parent project',
      { project: FORK, jobProject: PAYMENTS, ref: 'fix' },
    ],
    [
      'another project that took over the path',
      { project: { ...PAYMENTS, id: '70000001', namespaceId: '70000002' } },
    ],
    ['an unprotected branch', { ref: 'feature', refProtected: false }],
  ])('denies %s: no policy matches', async (_name, options) => {
    const { status, body } = await bearer(await mint(options));
    expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await latestAuditEvent(broker, 'denied')).toMatchObject({
      error: 'credential_rejected',
      platform: 'gitlab-internal',
      reason: expect.stringMatching(
        /payments-release: (not_matched \(condition is false\)|ruled out \(pins identity\.\w+ to other values\))/,
      ) as unknown,
    });
  });

  type Refusal = [
    name: string,
    token: () => Promise<string>,
    reason: string | RegExp,
    platform: string | null,
  ];
  const refusals: Refusal[] = [
    [
      'a legacy CI_JOB_JWT (v1)',
      () => gitlab.mintCiJobJwtV1(),
      'a GitLab CI_JOB_JWT (v1) is not accepted: the job must request an ID token (id_tokens)',
      null,
    ],
    [
      'an ID token for the default audience (the instance URL)',
      () => gitlab.mint(),
      /^the audience is not accepted: aud \["http:\/\/127\.0\.0\.1:\d+\/gitlab"\] names none of the accepted audiences \["https:\/\/broker\.test\/token"\]$/,
      'gitlab-internal',
    ],
    [
      'an expired ID token',
      () => mint({ now: new Date(clock.now().getTime() - 2 * 3600_000) }),
      /^the token has expired: exp \S+ \(\d+\) is not after now \S+ \(clock skew \d+ s\)$/,
      'gitlab-internal',
    ],
    [
      'a token of a job whose timeout exceeds the two-hour cap',
      () => mint({ jobTimeoutSeconds: 3 * 3600 }),
      /^the token's lifetime exceeds the platform's limit: exp - iat is \d+ s, over the cap of 7200 s /,
      'gitlab-internal',
    ],
    [
      'an ID token without project_id',
      () => mint({ claims: { project_id: undefined } }),
      'the "project_id" claim is missing',
      'gitlab-internal',
    ],
    [
      'an ID token whose ref_protected is not a flag',
      () => mint({ claims: { ref_protected: 'maybe' } }),
      'the "ref_protected" claim is invalid',
      'gitlab-internal',
    ],
  ];

  it.each(refusals)(
    'refuses %s (400 invalid_grant), audited with the reason',
    async (_name, token, reason, platform) => {
      const { status, body } = await bearer(await token());
      expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid_grant' });
      expect(await latestAuditEvent(broker, 'denied')).toMatchObject({
        error: 'credential_rejected',
        reason: typeof reason === 'string' ? reason : (expect.stringMatching(reason) as unknown),
        platform,
      });
    },
  );

  it('refuses a CI_JOB_JWT (v1) as a token exchange subject (400 invalid_request)', async () => {
    const response = await broker.token({
      grant_type: TOKEN_EXCHANGE,
      subject_token: await gitlab.mintCiJobJwtV1(),
      subject_token_type: JWT_TYPE,
    });
    const { status, body } = await answer(response);
    expect({ status, error: body.error }).toEqual({ status: 400, error: 'invalid_request' });
    expect(body.error_description).toBe('legacy tokens are not accepted');
    expect(await latestAuditEvent(broker, 'denied')).toMatchObject({
      error: 'credential_rejected',
      platform: null,
      reason: 'a GitLab CI_JOB_JWT (v1) is not accepted: the job must request an ID token (id_tokens)',
    });
  });

  it('answers 503 while the instance cannot serve its keys and none are cached', async () => {
    const other = await startFakeGitLab({ now: clock.now });
    try {
      other.available = false;
      const created = await broker.admin('POST', '/admin/v1/platforms', {
        name: 'gitlab-other',
        kind: 'gitlab',
        issuer: other.issuer,
        audiences: [BROKER_AUDIENCE],
      });
      expect(created.status).toBe(201);
      expect(((await created.json()) as { keys: unknown }).keys).toMatchObject({ ok: false });
      const { status, body } = await bearer(await other.mint({ aud: BROKER_AUDIENCE }));
      expect({ status, error: body.error }).toEqual({ status: 503, error: 'temporarily_unavailable' });
      expect(await latestAuditEvent(broker, 'denied')).toMatchObject({
        error: 'platform_unavailable',
        platform: 'gitlab-other',
        reason: expect.stringMatching(
          /^the platform's keys are unavailable: oidc-discovery http:\/\/127\.0\.0\.1:\d+.*: HTTP 503$/,
        ) as unknown,
      });
    } finally {
      await other.close();
    }
  });

  it.each([
    ['another GitLab platform', 'gitlab'],
    ['a platform of another kind', 'kubernetes'],
  ])('refuses %s with the same issuer (409), naming the one it collides with', async (_name, kind) => {
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'gitlab-again',
      kind,
      issuer: gitlab.issuer,
    });
    expect(response.status).toBe(409);
    const problem = (await response.json()) as {
      detail: string;
      errors: { field: string; message: string }[];
    };
    expect(problem.detail).toContain(`platform gitlab-internal already answers to iss ${gitlab.issuer}`);
    expect(problem.errors).toEqual([{ field: 'issuer', message: 'conflicts with platform gitlab-internal' }]);
  });

  it.each([
    ['a misspelt field', "identity.projectID == '48213307'", /has no field 'projectID'/],
    ['an ID compared with a number', 'identity.projectId == 48213307', /compares a string with a int/],
  ])(
    'refuses a policy with %s, checked against the kind identity fields (400)',
    async (_name, condition, problem) => {
      const response = await broker.admin('POST', '/admin/v1/policies', {
        name: 'mistyped',
        platform: 'gitlab-internal',
        condition,
        audiences: [API],
      });
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toMatch(problem);
    },
  );

  it('explains a fork merge request pipeline: the fork is the project, the parent the job project', async () => {
    const response = await broker.admin('POST', '/admin/v1/explain', {
      token: await mint({ project: FORK, jobProject: PAYMENTS, ref: 'fix' }),
      audience: API,
    });
    expect(response.status).toBe(200);
    const report = (await response.json()) as Record<string, unknown>;
    expect(report).toMatchObject({
      platform: { name: 'gitlab-internal', kind: 'gitlab', issuer: gitlab.issuer },
      identity: {
        projectId: FORK.id,
        namespaceId: FORK.namespaceId,
        jobProjectId: PAYMENTS.id,
        jobProjectPath: PAYMENTS.path,
        pipelineSource: 'merge_request_event',
        refProtected: false,
      },
      decision: { outcome: 'deny', error: 'credential_rejected' },
    });
    expect(report.policies).toContainEqual(
      expect.objectContaining({ policy: 'payments-release', result: 'not_matched' }),
    );
  });
});

interface RealFixture {
  token: string;
  jwks: { keys: unknown[] };
  issuer: string;
  now: number;
  expect: 'accept' | 'reject';
}

describe('the real GitLab CI_JOB_JWT (v1) through /token, at its own fixed clock', () => {
  const fixture = JSON.parse(
    readFileSync(join(__dirname, '..', 'fixtures', 'real', 'gitlab-ci-job-jwt-v1-2021.json'), 'utf8'),
  ) as RealFixture;
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker({}, new TestClock(new Date(fixture.now * 1000)));
  });

  afterAll(async () => {
    await broker?.close();
  });

  it('cannot register its host-only issuer', async () => {
    const response = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'gitlab-com-v1',
      kind: 'gitlab',
      issuer: fixture.issuer,
      jwks: fixture.jwks,
    });
    expect(response.status).toBe(400);
  });

  it('is refused as a legacy token even where gitlab.com is registered with its keys', async () => {
    const created = await broker.admin('POST', '/admin/v1/platforms', {
      name: 'gitlab-com',
      kind: 'gitlab',
      issuer: `https://${fixture.issuer}`,
      jwks: fixture.jwks,
      audiences: [BROKER_AUDIENCE],
    });
    expect(created.status).toBe(201);
    const { status, body } = await answer(
      await broker.token({ grant_type: JWT_BEARER, assertion: fixture.token }),
    );
    expect(status === 200 ? 'accept' : 'reject').toBe(fixture.expect);
    expect(body).toEqual({ error: 'invalid_grant', error_description: 'legacy tokens are not accepted' });
  });
});
