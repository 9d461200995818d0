import { SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { presentCredential } from '../credential/present-credential';
import { VerificationError } from '../errors/verification-error';
import { KeyResolver } from '../keys/key-resolver';
import type { VerifyContext } from '../platform-adapter';
import type { PlatformConfig } from '../platform-config';
import { createSigningKey, signToken, unsignedToken, type TestSigningKey } from '../testing/signing-key';
import { githubActionsAdapter } from './github-actions.adapter';

const NOW = 1_767_225_600;
const ISSUER = 'https://token.actions.githubusercontent.com';
const AUDIENCE = 'https://broker.example/token';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

interface Keys {
  rsa: TestSigningKey;
  ec: TestSigningKey;
  impostor: TestSigningKey;
}

/** A push to main of a private repository on a GitHub-hosted runner, as GitHub mints it. */
function actionsClaims(overrides: Record<string, unknown> = {}): JWTPayload {
  const claims: Record<string, unknown> = {
    jti: 'c5a1d6f2-3e47-4a8b-9d0c-1f2e3a4b5c6d',
    sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
    aud: AUDIENCE,
    ref: 'refs/heads/main',
    sha: '04de3558bc5861874a86f8fcd67e516554101e71',
    repository: 'octo-org/octo-repo',
    repository_owner: 'octo-org',
    repository_owner_id: '81239001',
    run_id: '7000000001',
    run_number: '42',
    run_attempt: '1',
    repository_visibility: 'private',
    repository_id: '702334411',
    actor_id: '5120021',
    actor: 'octocat',
    workflow: 'Deploy',
    head_ref: '',
    base_ref: '',
    event_name: 'push',
    ref_protected: 'true',
    ref_type: 'branch',
    workflow_ref: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
    workflow_sha: '04de3558bc5861874a86f8fcd67e516554101e71',
    job_workflow_ref: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
    job_workflow_sha: '04de3558bc5861874a86f8fcd67e516554101e71',
    runner_environment: 'github-hosted',
    iss: ISSUER,
    nbf: NOW - 600,
    exp: NOW + 300,
    iat: NOW,
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete claims[name];
    else claims[name] = value;
  }
  return claims;
}

function platformFor(keys: Keys, overrides: Partial<PlatformConfig> = {}): PlatformConfig {
  return {
    id: 'gh-1',
    name: 'github',
    kind: 'github-actions',
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

function verify(token: string, platform: PlatformConfig) {
  return Promise.resolve().then(() =>
    githubActionsAdapter.verify(presentCredential(token, JWT_TYPE, true), platform, context()),
  );
}

describe('githubActionsAdapter.verify', () => {
  let keys: Keys;

  beforeAll(async () => {
    const [rsa, ec, impostor] = await Promise.all([
      createSigningKey('RS256', '78167F727DEC5D801DD1C8784C704A1C880EC0E1'),
      createSigningKey('ES256', 'ec-key'),
      createSigningKey('RS256', '78167F727DEC5D801DD1C8784C704A1C880EC0E1'),
    ]);
    keys = { rsa, ec, impostor };
  });

  it('accepts an Actions token and normalizes every identity field', async () => {
    const token = await signToken(keys.rsa, actionsClaims({ environment: 'production' }));
    const verified = await verify(token, platformFor(keys));
    expect(verified.identity).toEqual({
      platform: 'github',
      kind: 'github-actions',
      issuer: ISSUER,
      subject: 'repo:octo-org/octo-repo:ref:refs/heads/main',
      audience: [AUDIENCE],
      tokenId: 'c5a1d6f2-3e47-4a8b-9d0c-1f2e3a4b5c6d',
      issuedAt: NOW,
      expiresAt: NOW + 300,
      repository: 'octo-org/octo-repo',
      repositoryId: '702334411',
      repositoryOwner: 'octo-org',
      repositoryOwnerId: '81239001',
      repositoryVisibility: 'private',
      ref: 'refs/heads/main',
      refType: 'branch',
      refProtected: true,
      sha: '04de3558bc5861874a86f8fcd67e516554101e71',
      environment: 'production',
      eventName: 'push',
      workflowRef: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
      workflowSha: '04de3558bc5861874a86f8fcd67e516554101e71',
      jobWorkflowRef: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
      jobWorkflowSha: '04de3558bc5861874a86f8fcd67e516554101e71',
      runnerEnvironment: 'github-hosted',
      actor: 'octocat',
      actorId: '5120021',
      runId: '7000000001',
      runAttempt: '1',
    });
    expect(verified).toMatchObject({
      expiresAt: NOW + 300,
      tokenId: 'c5a1d6f2-3e47-4a8b-9d0c-1f2e3a4b5c6d',
      replayKey: `jti ${ISSUER} c5a1d6f2-3e47-4a8b-9d0c-1f2e3a4b5c6d`,
    });
  });

  it('leaves out what the token does not carry, and empty head_ref/base_ref', async () => {
    const token = await signToken(keys.rsa, actionsClaims({ ref_protected: undefined, jti: undefined }));
    const { identity } = await verify(token, platformFor(keys));
    for (const field of ['refProtected', 'environment', 'enterprise', 'enterpriseId', 'headRef', 'baseRef']) {
      expect(identity).not.toHaveProperty(field);
    }
    expect(identity).not.toHaveProperty('tokenId');
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'the classic sub, kept as sent',
      {},
      { subject: 'repo:octo-org/octo-repo:ref:refs/heads/main', repositoryId: '702334411' },
    ],
    [
      'the immutable-ID sub',
      { sub: 'repo:octo-org-81239001/octo-repo-702334411:ref:refs/heads/main' },
      {
        subject: 'repo:octo-org-81239001/octo-repo-702334411:ref:refs/heads/main',
        repositoryId: '702334411',
      },
    ],
    [
      'a custom sub template',
      { sub: 'repository_owner_id:81239001:repository_id:702334411:environment:production' },
      { subject: 'repository_owner_id:81239001:repository_id:702334411:environment:production' },
    ],
    [
      'a pull request with head_ref and base_ref',
      {
        sub: 'repo:octo-org/octo-repo:pull_request',
        event_name: 'pull_request',
        ref: 'refs/pull/7/merge',
        head_ref: 'feature',
        base_ref: 'main',
        ref_protected: 'false',
      },
      { eventName: 'pull_request', headRef: 'feature', baseRef: 'main', refProtected: false },
    ],
    [
      'an enterprise repository',
      { enterprise: 'octo-corp', enterprise_id: '1234' },
      { enterprise: 'octo-corp', enterpriseId: '1234' },
    ],
    [
      'IDs and the flag sent as JSON numbers and booleans',
      { repository_id: 702334411, repository_owner_id: 81239001, run_attempt: 2, ref_protected: false },
      { repositoryId: '702334411', repositoryOwnerId: '81239001', runAttempt: '2', refProtected: false },
    ],
    ['a self-hosted runner', { runner_environment: 'self-hosted' }, { runnerEnvironment: 'self-hosted' }],
  ])('accepts %s', async (_case, claims, expected) => {
    const token = await signToken(keys.rsa, actionsClaims(claims));
    const { identity } = await verify(token, platformFor(keys));
    expect(identity).toMatchObject(expected);
  });

  it.each<[string, Record<string, unknown>, Partial<PlatformConfig>?]>([
    ['expired within the clock skew', { exp: NOW - 30, iat: NOW - 330, nbf: NOW - 930 }],
    ['nbf within the clock skew', { nbf: NOW + 30 }],
    ['iat within the clock skew', { iat: NOW + 30, exp: NOW + 330 }],
    ['one accepted audience among others', { aud: ['https://github.com/octo-org', AUDIENCE] }],
    [
      'GitHub default audience when registered',
      { aud: 'https://github.com/octo-org' },
      { audiences: ['https://github.com/octo-org'] },
    ],
    ['exactly the one-hour cap', { exp: NOW + 3600 }],
    ['a lowered cap that still fits', {}, { settings: { maxTokenLifetimeSeconds: 300 } }],
  ])('accepts %s', async (_case, claims, platform = {}) => {
    const token = await signToken(keys.rsa, actionsClaims(claims));
    await expect(verify(token, platformFor(keys, platform))).resolves.toBeDefined();
  });

  type Case = [
    name: string,
    make: (k: Keys) => Promise<string>,
    code: string,
    words: RegExp,
    platform?: Partial<PlatformConfig>,
  ];
  const runnerClaims = {
    billing_owner_id: 'U_kgDOCtr47A',
    exp: NOW + 21_780,
    iat: NOW,
    iss: ISSUER,
    nbf: NOW - 300,
    orch_id: '2f2143b0-aa62-45fa-84b7-aa381657fda7.copilot.__default',
    owner_id: 'U_kgDOCtr47A',
    runner_id: '1000000227',
    runner_type: 'hosted',
  };
  const cases: Case[] = [
    ['not a JWT', () => Promise.resolve('not-a-jwt'), 'malformed', /not a compact JWS/],
    [
      'an ES256 token (GitHub signs RS256 only)',
      (k) => signToken(k.ec, actionsClaims()),
      'algorithm_not_allowed',
      /algorithm is not allowed/,
    ],
    [
      'alg none',
      () => Promise.resolve(unsignedToken({ alg: 'none' }, actionsClaims(), 'c2ln')),
      'algorithm_not_allowed',
      /algorithm is not allowed/,
    ],
    [
      'HS256 signed with the public key as secret',
      (k) =>
        new SignJWT(actionsClaims())
          .setProtectedHeader({ alg: 'HS256', kid: k.rsa.kid })
          .sign(new TextEncoder().encode(JSON.stringify(k.rsa.publicJwk))),
      'algorithm_not_allowed',
      /algorithm is not allowed/,
    ],
    [
      'another issuer',
      (k) => signToken(k.rsa, actionsClaims({ iss: 'https://token.actions.githubusercontent.com/acme' })),
      'issuer_not_trusted',
      /issuer is not trusted/,
    ],
    [
      'the issuer with a trailing slash',
      (k) => signToken(k.rsa, actionsClaims({ iss: `${ISSUER}/` })),
      'issuer_not_trusted',
      /issuer is not trusted/,
    ],
    [
      'an expired token',
      (k) => signToken(k.rsa, actionsClaims({ exp: NOW - 61, iat: NOW - 361, nbf: NOW - 961 })),
      'expired',
      /expired/,
    ],
    [
      'nbf in the future',
      (k) => signToken(k.rsa, actionsClaims({ nbf: NOW + 61 })),
      'not_yet_valid',
      /not yet valid/,
    ],
    [
      'iat in the future',
      (k) => signToken(k.rsa, actionsClaims({ iat: NOW + 61, exp: NOW + 361 })),
      'issued_in_future',
      /issued in the future/,
    ],
    [
      'the default audience of another relying party',
      (k) => signToken(k.rsa, actionsClaims({ aud: 'https://github.com/octo-org' })),
      'audience_mismatch',
      /audience is not accepted/,
    ],
    ['no audience', (k) => signToken(k.rsa, actionsClaims({ aud: undefined })), 'missing_claim', /"aud"/],
    [
      'a lifetime over the one-hour cap',
      (k) => signToken(k.rsa, actionsClaims({ exp: NOW + 3601 })),
      'lifetime_too_long',
      /lifetime exceeds/,
    ],
    [
      'a lifetime over a lowered cap',
      (k) => signToken(k.rsa, actionsClaims({ exp: NOW + 600 })),
      'lifetime_too_long',
      /lifetime exceeds/,
      { settings: { maxTokenLifetimeSeconds: 300 } },
    ],
    [
      'a runner credential signed by the same key',
      (k) => signToken(k.rsa, runnerClaims),
      'missing_claim',
      /"sub" claim is missing: a GitHub runner credential/,
    ],
    [
      'no sub',
      (k) => signToken(k.rsa, actionsClaims({ sub: undefined })),
      'missing_claim',
      /"sub" claim is missing$/,
    ],
    [
      'an empty sub',
      (k) => signToken(k.rsa, actionsClaims({ sub: '' })),
      'missing_claim',
      /"sub" claim is missing$/,
    ],
    [
      'no repository_id',
      (k) => signToken(k.rsa, actionsClaims({ repository_id: undefined })),
      'missing_claim',
      /"repository_id" claim is missing/,
    ],
    [
      'no repository_owner_id',
      (k) => signToken(k.rsa, actionsClaims({ repository_owner_id: undefined })),
      'missing_claim',
      /"repository_owner_id" claim is missing/,
    ],
    [
      'no repository',
      (k) => signToken(k.rsa, actionsClaims({ repository: undefined })),
      'missing_claim',
      /"repository" claim is missing/,
    ],
    [
      'a repository_id that is not a number',
      (k) => signToken(k.rsa, actionsClaims({ repository_id: 'R_kgDOabc' })),
      'claim_invalid',
      /"repository_id" claim is invalid/,
    ],
    [
      'a negative actor_id',
      (k) => signToken(k.rsa, actionsClaims({ actor_id: -1 })),
      'claim_invalid',
      /"actor_id" claim is invalid/,
    ],
    [
      'a ref_protected that is not a flag',
      (k) => signToken(k.rsa, actionsClaims({ ref_protected: 'yes' })),
      'claim_invalid',
      /"ref_protected" claim is invalid/,
    ],
    [
      'a repository that is not a string',
      (k) => signToken(k.rsa, actionsClaims({ repository: ['octo-org/octo-repo'] })),
      'claim_invalid',
      /"repository" claim is invalid/,
    ],
    [
      'a bad signature',
      (k) => signToken(k.impostor, actionsClaims()),
      'signature_invalid',
      /signature is invalid/,
    ],
    [
      'an unknown kid',
      (k) => signToken(k.rsa, actionsClaims(), { kid: '52F197C481DE70112C441B4A9B37B53C7FCF0DB5' }),
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

describe('githubActionsAdapter.settingsSchema', () => {
  it.each([
    [{}, true],
    [{ maxTokenLifetimeSeconds: 600 }, true],
    [{ maxTokenLifetimeSeconds: 3600 }, true],
    [{ maxTokenLifetimeSeconds: 3601 }, false],
    [{ maxTokenLifetimeSeconds: 0 }, false],
    [{ maxTokenLifetimeSeconds: 1.5 }, false],
    [{ maxTokenLifetimeSeconds: '600' }, false],
    [{ enterprise: 'octo-corp' }, false],
  ])('%j is valid: %s', (settings, valid) => {
    expect(githubActionsAdapter.settingsSchema.safeParse(settings).success).toBe(valid);
  });

  it('defaults the cap to one hour', () => {
    expect(githubActionsAdapter.settingsSchema.parse({})).toEqual({ maxTokenLifetimeSeconds: 3600 });
    expect(githubActionsAdapter.defaultMaxCredentialAgeSeconds).toBe(3600);
  });
});

describe('githubActionsAdapter.registrationProblems', () => {
  const base = {
    name: 'github',
    kind: 'github-actions' as const,
    issuer: ISSUER,
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
  };

  it.each<[string, string, string[]]>([
    ['github.com', ISSUER, []],
    ['an enterprise issuer', `${ISSUER}/octo-corp`, []],
    ['GHE.com', 'https://token.actions.octocorp.ghe.com', []],
    ['GitHub Enterprise Server', 'https://github.example.com/_services/token', []],
    ['GitHub Enterprise Server on loopback http', 'http://127.0.0.1:8443/_services/token', []],
    ['a trailing slash', `${ISSUER}/`, ['issuer']],
    ['two path segments', `${ISSUER}/octo-corp/more`, ['issuer']],
    ['github.com itself', 'https://github.com', ['issuer']],
    ['http github.com', 'http://token.actions.githubusercontent.com', ['issuer']],
    ['a query', `${ISSUER}?tenant=1`, ['issuer']],
    ['GitHub Enterprise Server without its path', 'https://github.example.com', ['issuer']],
    ['a host without scheme', 'token.actions.githubusercontent.com', ['issuer']],
  ])('%s', (_name, issuer, fields) => {
    const problems = githubActionsAdapter.registrationProblems({ ...base, issuer }, false);
    expect(problems.map((p) => p.field)).toEqual(fields);
  });

  it('names the issuer forms it accepts', () => {
    const [problem] = githubActionsAdapter.registrationProblems(
      { ...base, issuer: 'https://github.com' },
      false,
    );
    expect(problem?.message).toMatch(/token\.actions\.githubusercontent\.com.*ghe\.com.*_services\/token/);
  });

  it('keeps the shared JWT rules', () => {
    const problems = githubActionsAdapter.registrationProblems(
      { ...base, jwksUri: 'http://10.0.0.1/jwks', audiences: [] },
      false,
    );
    expect(problems.map((p) => p.field)).toEqual(['jwksUri', 'audiences']);
  });
});

describe('githubActionsAdapter routing and key source', () => {
  const platform = {
    name: 'github',
    kind: 'github-actions' as const,
    issuer: ISSUER,
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
  };

  it('answers to its exact issuer and locates a token by its iss', () => {
    expect(githubActionsAdapter.routeKeys(platform)).toEqual([`iss ${ISSUER}`]);
    const credential = presentCredential(
      unsignedToken({ alg: 'RS256' }, actionsClaims(), 'c2ln'),
      JWT_TYPE,
      true,
    );
    expect(githubActionsAdapter.locate(credential)).toEqual([`iss ${ISSUER}`]);
  });

  it.each([
    ['discovery at the issuer', {}, { type: 'oidc-discovery', issuer: ISSUER }],
    [
      'a jwksUri',
      { jwksUri: `${ISSUER}/.well-known/jwks` },
      { type: 'jwks-uri', url: `${ISSUER}/.well-known/jwks` },
    ],
    ['inline keys', { jwks: { keys: [] } }, { type: 'inline', jwks: { keys: [] } }],
  ])('takes its keys from %s', (_name, overrides, source) => {
    const config = { ...platform, id: 'gh', version: 1, ...overrides };
    expect(githubActionsAdapter.keySource(config)).toMatchObject(source);
  });

  it('declares every identity field of API.md, IDs as strings and refProtected as a bool', () => {
    const fields = githubActionsAdapter.identityFields;
    for (const field of [
      'repository',
      'repositoryId',
      'repositoryOwner',
      'repositoryOwnerId',
      'repositoryVisibility',
      'enterprise',
      'enterpriseId',
      'ref',
      'refType',
      'sha',
      'environment',
      'eventName',
      'workflowRef',
      'jobWorkflowRef',
      'jobWorkflowSha',
      'runnerEnvironment',
      'actor',
      'actorId',
      'runId',
      'runAttempt',
    ]) {
      expect(fields[field]).toBe('string');
    }
    expect(fields.refProtected).toBe('bool');
  });
});
