import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGitHubActions, type FakeGitHubActions } from '../../../../test/support/fake-github-actions';
import { presentCredential } from '../credential/present-credential';
import { KeyResolver } from '../keys/key-resolver';
import type { PlatformConfig } from '../platform-config';
import { githubActionsAdapter } from './github-actions.adapter';

const NOW = new Date('2026-03-02T09:30:00Z');
const AUDIENCE = 'https://broker.example/token';
const GITHUB_COM = 'https://token.actions.githubusercontent.com';

function platformFor(issuer: string, overrides: Partial<PlatformConfig> = {}): PlatformConfig {
  return {
    id: 'gh',
    name: 'github',
    kind: 'github-actions',
    issuer,
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
    version: 1,
    ...overrides,
  };
}

describe('githubActionsAdapter against a fake GitHub OIDC provider', () => {
  let github: FakeGitHubActions;
  let clock: number;
  let keys: KeyResolver;

  const verify = (token: string, platform: PlatformConfig) =>
    githubActionsAdapter.verify(
      presentCredential(token, 'urn:ietf:params:oauth:token-type:jwt', true),
      platform,
      {
        now: new Date(clock),
        keys,
        allowHttp: false,
      },
    );

  const start = async (options: Partial<Parameters<typeof startFakeGitHubActions>[0]> = {}) => {
    github = await startFakeGitHubActions({ now: () => new Date(clock), ...options });
    return github;
  };

  afterEach(() => github.close());

  it('finds a GitHub Enterprise Server issuer by OIDC discovery at /_services/token', async () => {
    clock = NOW.getTime();
    keys = new KeyResolver({ now: () => clock });
    await start();
    expect(github.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_services\/token$/);
    const platform = platformFor(github.issuer);
    expect(githubActionsAdapter.registrationProblems(platform, false)).toEqual([]);
    const { identity } = await verify(
      await github.mint({ aud: AUDIENCE, environment: 'production' }),
      platform,
    );
    expect(identity).toMatchObject({
      issuer: github.issuer,
      subject: 'repo:octo-org/octo-repo:environment:production',
      repository: 'octo-org/octo-repo',
      repositoryId: '702334411',
      refProtected: true,
      issuedAt: Math.floor(NOW.getTime() / 1000),
      expiresAt: Math.floor(NOW.getTime() / 1000) + 300,
    });
    expect(github.requests).toEqual({ discovery: 1, jwks: 1 });
  });

  it.each<[string, string, string]>([
    ['github.com', '', GITHUB_COM],
    ['an enterprise issuer', '/octo-corp', `${GITHUB_COM}/octo-corp`],
  ])('verifies %s tokens with the keys of a jwksUri', async (_name, issuerPath, issuer) => {
    clock = NOW.getTime();
    keys = new KeyResolver({ now: () => clock });
    await start({ issuerPath, issuer });
    expect(github.jwksUri).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:\\d+${issuerPath}/\\.well-known/jwks$`),
    );
    const platform = platformFor(issuer, { jwksUri: github.jwksUri });
    expect(githubActionsAdapter.registrationProblems(platform, false)).toEqual([]);
    await expect(verify(await github.mint({ aud: AUDIENCE }), platform)).resolves.toBeDefined();
    expect(github.requests).toEqual({ discovery: 0, jwks: 1 });
  });

  it.each<[string, Parameters<FakeGitHubActions['mint']>[0], string]>([
    ['classic', {}, 'repo:octo-org/octo-repo:ref:refs/heads/main'],
    ['immutable', { subject: 'immutable' }, 'repo:octo-org-81239001/octo-repo-702334411:ref:refs/heads/main'],
    ['pull request', { event: 'pull_request' }, 'repo:octo-org/octo-repo:pull_request'],
    [
      'custom template',
      { subject: ['repository_owner_id', 'repository_id', 'context'], environment: 'prod' },
      'repository_owner_id:81239001:repository_id:702334411:environment:prod',
    ],
  ])('accepts the %s sub and keys the identity on the IDs alike', async (_name, options, subject) => {
    clock = NOW.getTime();
    keys = new KeyResolver({ now: () => clock });
    await start();
    const { identity } = await verify(
      await github.mint({ aud: AUDIENCE, ...options }),
      platformFor(github.issuer),
    );
    expect(identity).toMatchObject({ subject, repositoryId: '702334411', repositoryOwnerId: '81239001' });
  });

  it('picks up a rotated key with one refetch once the cooldown has passed', async () => {
    clock = NOW.getTime();
    keys = new KeyResolver({ now: () => clock });
    await start();
    const platform = platformFor(github.issuer);
    await verify(await github.mint({ aud: AUDIENCE }), platform);
    await github.rotateKey({ dropPrevious: true });
    const rotated = await github.mint({ aud: AUDIENCE });
    await expect(verify(rotated, platform)).rejects.toMatchObject({ code: 'key_not_found' });
    clock += 30_000;
    await expect(verify(rotated, platform)).resolves.toBeDefined();
    expect(github.requests.jwks).toBe(2);
  });

  it('refuses a runner credential minted with the same key', async () => {
    clock = NOW.getTime();
    keys = new KeyResolver({ now: () => clock });
    await start();
    await expect(
      verify(await github.mintRunnerCredential(), platformFor(github.issuer)),
    ).rejects.toMatchObject({
      code: 'missing_claim',
      message: expect.stringContaining('runner credential') as unknown,
    });
  });

  it('reports keys_unavailable while the provider is down and nothing is cached', async () => {
    clock = NOW.getTime();
    keys = new KeyResolver({ now: () => clock });
    await start();
    github.available = false;
    await expect(
      verify(await github.mint({ aud: AUDIENCE }), platformFor(github.issuer)),
    ).rejects.toMatchObject({
      code: 'keys_unavailable',
    });
    expect(github.requests.discovery).toBe(1);
  });
});
