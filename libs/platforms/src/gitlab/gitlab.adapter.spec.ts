import type { JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { presentCredential } from '../credential/present-credential';
import { VerificationError } from '../errors/verification-error';
import { KeyResolver } from '../keys/key-resolver';
import type { VerifyContext } from '../platform-adapter';
import type { PlatformConfig } from '../platform-config';
import { createSigningKey, signToken, unsignedToken, type TestSigningKey } from '../testing/signing-key';
import { gitlabAdapter } from './gitlab.adapter';

const NOW = 1_767_225_600;
const ISSUER = 'https://gitlab.com';
const AUDIENCE = 'https://broker.example/token';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const SHA = '714a629c0b401fdce83e847fc9589983fc6f46bc';

interface Keys {
  rsa: TestSigningKey;
  ec: TestSigningKey;
  impostor: TestSigningKey;
}

/** A deployment job on a protected branch, as gitlab.com mints an `id_tokens` token. */
function idTokenClaims(overrides: Record<string, unknown> = {}): JWTPayload {
  const claims: Record<string, unknown> = {
    namespace_id: '72',
    namespace_path: 'my-group',
    project_id: '20',
    project_path: 'my-group/my-project',
    user_id: '1',
    user_login: 'sample-user',
    user_email: 'sample-user@example.com',
    user_access_level: 'maintainer',
    job_project_id: '20',
    job_project_path: 'my-group/my-project',
    job_namespace_id: '72',
    job_namespace_path: 'my-group',
    pipeline_id: '574',
    pipeline_source: 'push',
    job_id: '302',
    ref: 'main',
    ref_type: 'branch',
    ref_path: 'refs/heads/main',
    ref_protected: 'true',
    environment: 'production',
    environment_protected: 'true',
    deployment_tier: 'production',
    environment_action: 'start',
    runner_id: 1,
    runner_environment: 'gitlab-hosted',
    sha: SHA,
    project_visibility: 'private',
    ci_config_ref_uri: 'gitlab.com/my-group/my-project//.gitlab-ci.yml@refs/heads/main',
    ci_config_sha: SHA,
    jti: '235b3a54-b797-45c7-ae9a-f72d7bc6ef5b',
    iss: ISSUER,
    iat: NOW,
    nbf: NOW - 5,
    exp: NOW + 3600,
    sub: 'project_path:my-group/my-project:ref_type:branch:ref:main',
    aud: AUDIENCE,
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return claims;
}

/** The legacy `CI_JOB_JWT` of a web-triggered pipeline, as gitlab.com minted it before 17.0. */
function ciJobJwtClaims(): JWTPayload {
  return {
    namespace_id: '72',
    namespace_path: 'my-group',
    project_id: '20',
    project_path: 'my-group/my-project',
    user_id: '1',
    pipeline_id: '574',
    pipeline_source: 'web',
    job_id: '302',
    ref: 'main',
    ref_type: 'branch',
    ref_protected: 'true',
    jti: 'e641cfc7-e20e-41da-ad05-2ac2ceaa896a',
    iss: 'gitlab.com',
    iat: NOW,
    nbf: NOW - 5,
    exp: NOW + 3600,
    sub: 'job_302',
  };
}

function platformFor(keys: Keys, overrides: Partial<PlatformConfig> = {}): PlatformConfig {
  return {
    id: 'gl-1',
    name: 'gitlab',
    kind: 'gitlab',
    issuer: ISSUER,
    jwks: { keys: [keys.rsa.publicJwk, keys.ec.publicJwk] },
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
    version: 1,
    ...overrides,
  };
}

function context(): VerifyContext {
  return {
    now: new Date(NOW * 1000),
    keys: new KeyResolver({ fetch: () => Promise.reject(new Error('offline')) }),
    allowHttp: false,
  };
}

function present(token: string) {
  return presentCredential(token, JWT_TYPE, true);
}

function verify(token: string, platform: PlatformConfig) {
  return Promise.resolve().then(() => gitlabAdapter.verify(present(token), platform, context()));
}

describe('gitlabAdapter.verify', () => {
  let keys: Keys;

  beforeAll(async () => {
    const [rsa, ec, impostor] = await Promise.all([
      createSigningKey('RS256', 'kewiQq9jiC84CvSsJYOB-N6A8WFLSV20Mb-y7IlWDSQ'),
      createSigningKey('ES256', 'ec-key'),
      createSigningKey('RS256', 'kewiQq9jiC84CvSsJYOB-N6A8WFLSV20Mb-y7IlWDSQ'),
    ]);
    keys = { rsa, ec, impostor };
  });

  it('accepts an ID token and normalizes every identity field', async () => {
    const verified = await verify(await signToken(keys.rsa, idTokenClaims()), platformFor(keys));
    expect(verified.identity).toEqual({
      platform: 'gitlab',
      kind: 'gitlab',
      issuer: ISSUER,
      subject: 'project_path:my-group/my-project:ref_type:branch:ref:main',
      audience: [AUDIENCE],
      tokenId: '235b3a54-b797-45c7-ae9a-f72d7bc6ef5b',
      issuedAt: NOW,
      expiresAt: NOW + 3600,
      namespaceId: '72',
      namespacePath: 'my-group',
      projectId: '20',
      projectPath: 'my-group/my-project',
      projectVisibility: 'private',
      jobProjectId: '20',
      jobProjectPath: 'my-group/my-project',
      jobNamespaceId: '72',
      jobNamespacePath: 'my-group',
      ref: 'main',
      refType: 'branch',
      refPath: 'refs/heads/main',
      refProtected: true,
      environment: 'production',
      environmentProtected: true,
      deploymentTier: 'production',
      pipelineSource: 'push',
      pipelineId: '574',
      jobId: '302',
      userId: '1',
      userLogin: 'sample-user',
      ciConfigRefUri: 'gitlab.com/my-group/my-project//.gitlab-ci.yml@refs/heads/main',
      ciConfigSha: SHA,
      runnerId: '1',
      runnerEnvironment: 'gitlab-hosted',
      sha: SHA,
    });
    expect(verified.replayKey).toBe(`jti ${ISSUER} 235b3a54-b797-45c7-ae9a-f72d7bc6ef5b`);
  });

  it('leaves out what the job did not set and what GitLab sends as null', async () => {
    const claims = idTokenClaims({
      environment: undefined,
      environment_protected: undefined,
      deployment_tier: undefined,
      environment_action: undefined,
      ci_config_ref_uri: null,
      ci_config_sha: null,
      job_project_id: undefined,
      job_project_path: undefined,
      job_namespace_id: undefined,
      job_namespace_path: undefined,
    });
    const { identity } = await verify(await signToken(keys.rsa, claims), platformFor(keys));
    for (const field of [
      'environment',
      'environmentProtected',
      'deploymentTier',
      'ciConfigRefUri',
      'ciConfigSha',
      'jobProjectId',
      'jobProjectPath',
    ]) {
      expect(identity).not.toHaveProperty(field);
    }
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'a merge request from a fork run in the parent project',
      {
        namespace_id: '5501',
        namespace_path: 'contributor',
        project_id: '880011',
        project_path: 'contributor/my-project',
        pipeline_source: 'merge_request_event',
        ref: 'fix-typo',
        ref_path: 'refs/heads/fix-typo',
        ref_protected: 'false',
        sub: 'project_path:contributor/my-project:ref_type:branch:ref:fix-typo',
      },
      {
        projectId: '880011',
        projectPath: 'contributor/my-project',
        namespaceId: '5501',
        jobProjectId: '20',
        jobProjectPath: 'my-group/my-project',
        pipelineSource: 'merge_request_event',
        refProtected: false,
      },
    ],
    [
      'a tag pipeline',
      { ref: 'v1.2.0', ref_type: 'tag', ref_path: 'refs/tags/v1.2.0' },
      { ref: 'v1.2.0', refType: 'tag', refPath: 'refs/tags/v1.2.0' },
    ],
    [
      'an unprotected environment',
      { environment: 'review/fix', environment_protected: 'false', deployment_tier: 'development' },
      { environment: 'review/fix', environmentProtected: false, deploymentTier: 'development' },
    ],
    [
      'IDs sent as numbers and flags as booleans',
      { project_id: 20, namespace_id: 72, user_id: 1, ref_protected: true, runner_id: 12270857 },
      { projectId: '20', namespaceId: '72', userId: '1', refProtected: true, runnerId: '12270857' },
    ],
    [
      'a sub with the components a project configured',
      { sub: 'project_path:my-group/my-project:ref_type:branch:ref:main:environment_protected:true' },
      { subject: 'project_path:my-group/my-project:ref_type:branch:ref:main:environment_protected:true' },
    ],
    [
      'an audience list',
      { aud: ['https://vault.example.com', AUDIENCE] },
      { audience: ['https://vault.example.com', AUDIENCE] },
    ],
  ])('accepts %s', async (_case, claims, expected) => {
    const { identity } = await verify(await signToken(keys.rsa, idTokenClaims(claims)), platformFor(keys));
    expect(identity).toMatchObject(expected);
  });

  it.each<[string, Record<string, unknown>, Partial<PlatformConfig>?]>([
    ['the five-minute lifetime of a job without timeout', { exp: NOW + 300 }],
    ['exactly the two-hour cap', { exp: NOW + 7200 }],
    ['expired within the clock skew', { exp: NOW - 30, iat: NOW - 3630, nbf: NOW - 3635 }],
    ['a lowered cap that still fits', {}, { settings: { maxTokenLifetimeSeconds: 3600 } }],
    [
      'an instance under a relative URL root',
      { iss: 'https://example.com/gitlab' },
      { issuer: 'https://example.com/gitlab' },
    ],
  ])('accepts %s', async (_case, claims, platform = {}) => {
    const token = await signToken(keys.rsa, idTokenClaims(claims));
    await expect(verify(token, platformFor(keys, platform))).resolves.toBeDefined();
  });

  type Case = [
    name: string,
    make: (k: Keys) => Promise<string>,
    code: string,
    words: RegExp,
    platform?: Partial<PlatformConfig>,
  ];
  const cases: Case[] = [
    ['not a JWT', () => Promise.resolve('not-a-jwt'), 'malformed', /not a compact JWS/],
    [
      'a CI_JOB_JWT (v1)',
      (k) => signToken(k.rsa, ciJobJwtClaims()),
      'legacy_token',
      /CI_JOB_JWT \(v1\) is not accepted.*id_tokens/,
    ],
    [
      'a CI_JOB_JWT (v1) checked against a platform named after its host',
      (k) => signToken(k.rsa, ciJobJwtClaims()),
      'legacy_token',
      /CI_JOB_JWT/,
      { issuer: 'gitlab.com' },
    ],
    [
      'an ES256 token (GitLab signs RS256 only)',
      (k) => signToken(k.ec, idTokenClaims()),
      'algorithm_not_allowed',
      /algorithm is not allowed/,
    ],
    [
      'alg none',
      () => Promise.resolve(unsignedToken({ alg: 'none' }, idTokenClaims(), 'c2ln')),
      'algorithm_not_allowed',
      /algorithm is not allowed/,
    ],
    [
      'another instance',
      (k) => signToken(k.rsa, idTokenClaims({ iss: 'https://gitlab.example.com' })),
      'issuer_not_trusted',
      /issuer is not trusted/,
    ],
    [
      'the instance URL with a trailing slash',
      (k) => signToken(k.rsa, idTokenClaims({ iss: 'https://gitlab.com/' })),
      'issuer_not_trusted',
      /issuer is not trusted/,
    ],
    [
      'an expired token',
      (k) => signToken(k.rsa, idTokenClaims({ exp: NOW - 61, iat: NOW - 3661, nbf: NOW - 3666 })),
      'expired',
      /expired/,
    ],
    [
      'nbf in the future',
      (k) => signToken(k.rsa, idTokenClaims({ nbf: NOW + 61 })),
      'not_yet_valid',
      /not yet valid/,
    ],
    [
      'the default audience (the instance URL)',
      (k) => signToken(k.rsa, idTokenClaims({ aud: ISSUER })),
      'audience_mismatch',
      /audience is not accepted/,
    ],
    ['no audience', (k) => signToken(k.rsa, idTokenClaims({ aud: undefined })), 'missing_claim', /"aud"/],
    [
      'a lifetime over the two-hour cap',
      (k) => signToken(k.rsa, idTokenClaims({ exp: NOW + 7201 })),
      'lifetime_too_long',
      /lifetime exceeds/,
    ],
    [
      'a lifetime over a lowered cap',
      (k) => signToken(k.rsa, idTokenClaims({ exp: NOW + 3600 })),
      'lifetime_too_long',
      /lifetime exceeds/,
      { settings: { maxTokenLifetimeSeconds: 600 } },
    ],
    [
      'no sub',
      (k) => signToken(k.rsa, idTokenClaims({ sub: undefined })),
      'missing_claim',
      /"sub" claim is missing/,
    ],
    [
      'no project_id',
      (k) => signToken(k.rsa, idTokenClaims({ project_id: undefined })),
      'missing_claim',
      /"project_id" claim is missing/,
    ],
    [
      'an empty namespace_id',
      (k) => signToken(k.rsa, idTokenClaims({ namespace_id: '' })),
      'missing_claim',
      /"namespace_id" claim is missing/,
    ],
    [
      'no project_path',
      (k) => signToken(k.rsa, idTokenClaims({ project_path: undefined })),
      'missing_claim',
      /"project_path" claim is missing/,
    ],
    [
      'a project_id that is not a number',
      (k) => signToken(k.rsa, idTokenClaims({ project_id: 'gid://gitlab/Project/20' })),
      'claim_invalid',
      /"project_id" claim is invalid/,
    ],
    [
      'a fractional runner_id',
      (k) => signToken(k.rsa, idTokenClaims({ runner_id: 1.5 })),
      'claim_invalid',
      /"runner_id" claim is invalid/,
    ],
    [
      'a ref_protected that is not a flag',
      (k) => signToken(k.rsa, idTokenClaims({ ref_protected: 'TRUE' })),
      'claim_invalid',
      /"ref_protected" claim is invalid/,
    ],
    [
      'an environment_protected that is not a flag',
      (k) => signToken(k.rsa, idTokenClaims({ environment_protected: 1 })),
      'claim_invalid',
      /"environment_protected" claim is invalid/,
    ],
    [
      'a bad signature',
      (k) => signToken(k.impostor, idTokenClaims()),
      'signature_invalid',
      /signature is invalid/,
    ],
    [
      'an unknown kid',
      (k) => signToken(k.rsa, idTokenClaims(), { kid: '4i3sFE7sxqNPOT7FdvcGA1ZVGGI_r-tsDXnEuYT4ZqE' }),
      'key_not_found',
      /no key of the platform/,
    ],
  ];

  it.each(cases)('refuses %s', async (_name, make, code, words, overrides) => {
    const token = await make(keys);
    const error: unknown = await verify(token, platformFor(keys, overrides)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(words);
  });
});

describe('gitlabAdapter.locate', () => {
  it('locates an ID token by its exact issuer', () => {
    const credential = present(unsignedToken({ alg: 'RS256' }, idTokenClaims(), 'c2ln'));
    expect(gitlabAdapter.locate(credential)).toEqual([`iss ${ISSUER}`]);
  });

  it('refuses a CI_JOB_JWT (v1) at once, since no platform has its host-only issuer', () => {
    const credential = present(unsignedToken({ alg: 'RS256' }, ciJobJwtClaims(), 'c2ln'));
    expect(() => gitlabAdapter.locate(credential)).toThrow(
      expect.objectContaining({ code: 'legacy_token' }) as unknown,
    );
  });

  it.each([
    ['a job_ sub under a URL issuer', { ...ciJobJwtClaims(), iss: ISSUER }],
    ['a host-only issuer without job claims', { iss: 'gitlab.com', sub: 'job_302' }],
  ])('does not mistake %s for a CI_JOB_JWT', (_name, claims) => {
    const credential = present(unsignedToken({ alg: 'RS256' }, claims, 'c2ln'));
    expect(() => gitlabAdapter.locate(credential)).not.toThrow();
  });

  it('has nothing to locate for a credential that is not a JWT', () => {
    expect(gitlabAdapter.locate({ token: 'x', type: 'urn:example', jwt: undefined })).toEqual([]);
  });
});

describe('gitlabAdapter.settingsSchema', () => {
  it.each([
    [{}, true],
    [{ maxTokenLifetimeSeconds: 300 }, true],
    [{ maxTokenLifetimeSeconds: 7200 }, true],
    [{ maxTokenLifetimeSeconds: 7201 }, false],
    [{ maxTokenLifetimeSeconds: -1 }, false],
    [{ maxTokenLifetimeSeconds: '300' }, false],
    [{ ciJobJwt: true }, false],
  ])('%j is valid: %s', (settings, valid) => {
    expect(gitlabAdapter.settingsSchema.safeParse(settings).success).toBe(valid);
  });

  it('defaults the cap to two hours', () => {
    expect(gitlabAdapter.settingsSchema.parse({})).toEqual({ maxTokenLifetimeSeconds: 7200 });
    expect(gitlabAdapter.defaultMaxCredentialAgeSeconds).toBe(7200);
  });
});

describe('gitlabAdapter.registrationProblems and routing', () => {
  const base = {
    name: 'gitlab',
    kind: 'gitlab' as const,
    issuer: ISSUER,
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
  };

  it.each<[string, string, string[]]>([
    ['gitlab.com', ISSUER, []],
    ['a self-managed instance', 'https://gitlab.example.com', []],
    ['an instance under a relative URL root', 'https://example.com/gitlab', []],
    ['an instance on a port', 'https://gitlab.example.com:8443', []],
    ['a loopback http instance', 'http://127.0.0.1:8080/gitlab', []],
    ['a trailing slash', 'https://gitlab.com/', ['issuer']],
    ['a relative URL root with a trailing slash', 'https://example.com/gitlab/', ['issuer']],
    ['a query', 'https://gitlab.com?x=1', ['issuer']],
    ['the host-only issuer of CI_JOB_JWT', 'gitlab.com', ['issuer']],
    ['an http instance', 'http://gitlab.example.com', ['issuer']],
  ])('%s', (_name, issuer, fields) => {
    const problems = gitlabAdapter.registrationProblems({ ...base, issuer }, false);
    expect(problems.map((p) => p.field)).toEqual(fields);
  });

  it('answers to its exact issuer and takes keys from discovery by default', () => {
    expect(gitlabAdapter.routeKeys({ ...base, issuer: 'https://example.com/gitlab' })).toEqual([
      'iss https://example.com/gitlab',
    ]);
    expect(gitlabAdapter.keySource({ ...base, id: 'gl', version: 1 })).toMatchObject({
      type: 'oidc-discovery',
      issuer: ISSUER,
    });
  });

  it('declares every identity field of API.md, IDs as strings and flags as bools', () => {
    const fields = gitlabAdapter.identityFields;
    for (const field of [
      'namespaceId',
      'namespacePath',
      'projectId',
      'projectPath',
      'jobProjectId',
      'jobProjectPath',
      'ref',
      'refType',
      'refPath',
      'environment',
      'deploymentTier',
      'pipelineSource',
      'pipelineId',
      'jobId',
      'userId',
      'userLogin',
      'ciConfigRefUri',
      'ciConfigSha',
      'runnerId',
      'runnerEnvironment',
      'sha',
    ]) {
      expect(fields[field]).toBe('string');
    }
    expect(fields.refProtected).toBe('bool');
    expect(fields.environmentProtected).toBe('bool');
  });
});
