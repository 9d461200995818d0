import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { presentCredential } from '../credential/present-credential';
import { VerificationError } from '../errors/verification-error';
import { KeyResolver } from '../keys/key-resolver';
import type { PlatformConfig } from '../platform-config';
import { gitlabAdapter } from './gitlab.adapter';

interface JwtFixture {
  id: string;
  token: string;
  jwks: { keys: JWK[] };
  issuer: string;
  audience: string | string[] | null;
  now: number;
  expect: 'accept' | 'reject';
}

const dir = join(__dirname, '../../../../test/fixtures/real');
const fixtures = readdirSync(dir)
  .filter((file) => file.startsWith('gitlab-') && file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as JwtFixture);

const REJECTIONS: Record<string, { code: string; words: RegExp }> = {
  'gitlab-ci-job-jwt-v1-2021': { code: 'legacy_token', words: /CI_JOB_JWT \(v1\).*id_tokens/ },
};

function platformFor(fixture: JwtFixture, issuer: string): PlatformConfig {
  return {
    id: fixture.id,
    name: 'gitlab',
    kind: 'gitlab',
    issuer,
    jwks: fixture.jwks,
    audiences: fixture.audience === null ? ['https://broker.example/token'] : [fixture.audience].flat(),
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
    version: 1,
  };
}

describe('real GitLab tokens', () => {
  it('finds the CI_JOB_JWT fixture', () => {
    expect(fixtures.map((f) => f.id)).toEqual(['gitlab-ci-job-jwt-v1-2021']);
  });

  it.each(fixtures)('$id → $expect, registered as its issuer or as https://<issuer>', async (fixture) => {
    const credential = presentCredential(fixture.token, 'urn:ietf:params:oauth:token-type:jwt', true);
    const ctx = { now: new Date(fixture.now * 1000), keys: new KeyResolver(), allowHttp: false };
    for (const issuer of [fixture.issuer, `https://${fixture.issuer}`]) {
      const outcome = await gitlabAdapter.verify(credential, platformFor(fixture, issuer), ctx).then(
        () => 'accept',
        (error: unknown) => {
          expect(error).toBeInstanceOf(VerificationError);
          expect(error).toMatchObject({ code: REJECTIONS[fixture.id]?.code });
          expect((error as Error).message).toMatch(REJECTIONS[fixture.id]?.words ?? /^$/);
          return 'reject';
        },
      );
      expect(outcome).toBe(fixture.expect);
    }
    expect(() => gitlabAdapter.locate(credential)).toThrow(VerificationError);
  });

  it('cannot register the host-only issuer of CI_JOB_JWT', () => {
    const [fixture] = fixtures;
    if (fixture === undefined) throw new Error('no GitLab fixture');
    const problems = gitlabAdapter.registrationProblems(platformFor(fixture, fixture.issuer), false);
    expect(problems).toEqual([{ field: 'issuer', message: expect.stringMatching(/https URL/) as unknown }]);
  });
});
