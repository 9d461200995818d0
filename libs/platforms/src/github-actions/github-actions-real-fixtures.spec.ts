import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { presentCredential } from '../credential/present-credential';
import { VerificationError } from '../errors/verification-error';
import { KeyResolver } from '../keys/key-resolver';
import type { PlatformConfig } from '../platform-config';
import { githubActionsAdapter } from './github-actions.adapter';

interface JwtFixture {
  id: string;
  format: string;
  token: string;
  jwks: { keys: JWK[] };
  issuer: string;
  audience: string | string[] | null;
  now: number;
  expect: 'accept' | 'reject';
}

const dir = join(__dirname, '../../../../test/fixtures/real');
const fixtures = readdirSync(dir)
  .filter((file) => file.startsWith('github-actions-') && file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as JwtFixture);
const byId = (id: string): JwtFixture => {
  const fixture = fixtures.find((f) => f.id === id);
  if (fixture === undefined) throw new Error(`fixture ${id} is missing`);
  return fixture;
};

const REJECTIONS: Record<string, { code: string; words: RegExp }> = {
  'github-actions-runner-jwt-2026': { code: 'missing_claim', words: /GitHub runner credential/ },
};

function platformFor(fixture: JwtFixture, jwks = fixture.jwks): PlatformConfig {
  return {
    id: fixture.id,
    name: 'github',
    kind: 'github-actions',
    issuer: fixture.issuer,
    jwks,
    audiences: fixture.audience === null ? ['https://broker.example/token'] : [fixture.audience].flat(),
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
    version: 1,
  };
}

function decide(fixture: JwtFixture, platform = platformFor(fixture)) {
  const credential = presentCredential(fixture.token, 'urn:ietf:params:oauth:token-type:jwt', true);
  const ctx = { now: new Date(fixture.now * 1000), keys: new KeyResolver(), allowHttp: false };
  return githubActionsAdapter.verify(credential, platform, ctx);
}

describe('real GitHub Actions tokens', () => {
  it('finds the three fixtures', () => {
    expect(fixtures.map((f) => f.id).sort()).toEqual([
      'github-actions-push-main-2023',
      'github-actions-push-private-repo-2023',
      'github-actions-runner-jwt-2026',
    ]);
  });

  it.each(fixtures)('$id → $expect', async (fixture) => {
    expect(githubActionsAdapter.registrationProblems(platformFor(fixture), false)).toEqual([]);
    const outcome = await decide(fixture).then(
      () => 'accept',
      (error: unknown) => {
        expect(error).toBeInstanceOf(VerificationError);
        expect(error).toMatchObject({ code: REJECTIONS[fixture.id]?.code });
        expect((error as Error).message).toMatch(REJECTIONS[fixture.id]?.words ?? /^$/);
        return 'reject';
      },
    );
    expect(outcome).toBe(fixture.expect);
  });

  it.each([
    [
      'github-actions-push-main-2023',
      {
        subject: 'repo:segiddins/oidc-test:ref:refs/heads/main',
        repositoryId: '620393838',
        repositoryOwnerId: '1946610',
        repositoryVisibility: 'public',
        eventName: 'push',
        runAttempt: '1',
      },
    ],
    [
      'github-actions-push-private-repo-2023',
      {
        repository: 'qoomon/sandbox',
        repositoryId: '35282741',
        repositoryVisibility: 'private',
        refProtected: false,
        runAttempt: '5',
        audience: ['sts.amazonaws.com'],
      },
    ],
  ])('normalizes %s', async (id, expected) => {
    const { identity } = await decide(byId(id));
    expect(identity).toMatchObject(expected);
    expect(identity).not.toHaveProperty('headRef');
    expect(identity).not.toHaveProperty('environment');
  });

  it.each([
    ['github-actions-push-main-2023', 'github-actions-runner-jwt-2026'],
    ['github-actions-runner-jwt-2026', 'github-actions-push-main-2023'],
  ])('refuses %s against the key set of %s (key rotation)', async (tokenId, keysId) => {
    const fixture = byId(tokenId);
    await expect(decide(fixture, platformFor(fixture, byId(keysId).jwks))).rejects.toMatchObject({
      code: 'key_not_found',
    });
  });
});
