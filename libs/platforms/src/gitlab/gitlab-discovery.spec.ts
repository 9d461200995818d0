import { afterEach, describe, expect, it } from 'vitest';
import { startFakeGitLab, type FakeGitLab } from '../../../../test/support/fake-gitlab';
import { presentCredential } from '../credential/present-credential';
import { KeyResolver } from '../keys/key-resolver';
import type { PlatformConfig } from '../platform-config';
import { gitlabAdapter } from './gitlab.adapter';

const NOW = new Date('2026-03-02T09:30:00Z');
const AUDIENCE = 'https://broker.example/token';
const PARENT = { id: '48213307', path: 'acme/payments', namespaceId: '9970012' };
const FORK = { id: '61550420', path: 'mallory/payments', namespaceId: '10440111' };

function platformFor(issuer: string): PlatformConfig {
  return {
    id: 'gl',
    name: 'gitlab',
    kind: 'gitlab',
    issuer,
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
    version: 1,
  };
}

describe('gitlabAdapter against a fake GitLab instance', () => {
  let gitlab: FakeGitLab;
  let clock: number;
  let keys: KeyResolver;

  const verify = (token: string, platform: PlatformConfig) =>
    gitlabAdapter.verify(presentCredential(token, 'urn:ietf:params:oauth:token-type:jwt', true), platform, {
      now: new Date(clock),
      keys,
      allowHttp: false,
    });

  const start = async (relativeUrlRoot?: string) => {
    clock = NOW.getTime();
    keys = new KeyResolver({ now: () => clock });
    gitlab = await startFakeGitLab({
      now: () => new Date(clock),
      ...(relativeUrlRoot ? { relativeUrlRoot } : {}),
    });
  };

  afterEach(() => gitlab.close());

  it.each([
    ['at the root of its host', undefined, /^http:\/\/127\.0\.0\.1:\d+$/],
    ['under a relative URL root', '/gitlab', /^http:\/\/127\.0\.0\.1:\d+\/gitlab$/],
  ])('finds the keys of an instance %s by discovery and oauth/discovery/keys', async (_name, root, form) => {
    await start(root);
    expect(gitlab.issuer).toMatch(form);
    expect(gitlab.jwksUri).toBe(`${gitlab.issuer}/oauth/discovery/keys`);
    const platform = platformFor(gitlab.issuer);
    expect(gitlabAdapter.registrationProblems(platform, false)).toEqual([]);
    const { identity } = await verify(await gitlab.mint({ aud: AUDIENCE }), platform);
    expect(identity).toMatchObject({
      issuer: gitlab.issuer,
      subject: 'project_path:acme/payments:ref_type:branch:ref:main',
      projectId: PARENT.id,
      jobProjectId: PARENT.id,
      refProtected: true,
      runnerId: '12270857',
      expiresAt: Math.floor(NOW.getTime() / 1000) + 3600,
    });
    expect(identity).not.toHaveProperty('environment');
    expect(gitlab.requests).toEqual({ discovery: 1, keys: 1, jwks: 0 });
  });

  it('tells a fork merge request pipeline apart: project is the fork, jobProject the parent', async () => {
    await start();
    const token = await gitlab.mint({ aud: AUDIENCE, project: FORK, jobProject: PARENT, ref: 'fix' });
    const { identity } = await verify(token, platformFor(gitlab.issuer));
    expect(identity).toMatchObject({
      projectId: FORK.id,
      projectPath: FORK.path,
      namespaceId: FORK.namespaceId,
      namespacePath: 'mallory',
      jobProjectId: PARENT.id,
      jobProjectPath: PARENT.path,
      pipelineSource: 'merge_request_event',
      refProtected: false,
    });
    expect(identity).not.toHaveProperty('ciConfigRefUri');
  });

  it('normalizes an environment job', async () => {
    await start();
    const token = await gitlab.mint({
      aud: AUDIENCE,
      environment: { name: 'production', protected: true, tier: 'production' },
    });
    const { identity } = await verify(token, platformFor(gitlab.issuer));
    expect(identity).toMatchObject({
      environment: 'production',
      environmentProtected: true,
      deploymentTier: 'production',
    });
  });

  it('refuses a token of a job whose timeout exceeds the cap', async () => {
    await start();
    const token = await gitlab.mint({ aud: AUDIENCE, jobTimeoutSeconds: 3 * 3600 });
    await expect(verify(token, platformFor(gitlab.issuer))).rejects.toMatchObject({
      code: 'lifetime_too_long',
    });
  });

  it('refuses the CI_JOB_JWT (v1) the same instance mints', async () => {
    await start();
    const credential = presentCredential(
      await gitlab.mintCiJobJwtV1(),
      'urn:ietf:params:oauth:token-type:jwt',
      true,
    );
    expect(() => gitlabAdapter.locate(credential)).toThrow(/CI_JOB_JWT/);
  });

  it('picks up a rotated key with one refetch once the cooldown has passed', async () => {
    await start('/gitlab');
    const platform = platformFor(gitlab.issuer);
    await verify(await gitlab.mint({ aud: AUDIENCE }), platform);
    await gitlab.rotateKey({ dropPrevious: true });
    const rotated = await gitlab.mint({ aud: AUDIENCE });
    await expect(verify(rotated, platform)).rejects.toMatchObject({ code: 'key_not_found' });
    clock += 30_000;
    await expect(verify(rotated, platform)).resolves.toBeDefined();
    expect(gitlab.requests.keys).toBe(2);
  });
});
