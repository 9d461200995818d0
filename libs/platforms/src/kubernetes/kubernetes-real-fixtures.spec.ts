import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { VerificationError } from '../errors/verification-error';
import { KeyResolver } from '../keys/key-resolver';
import type { PlatformConfig } from '../platform-config';
import { verifyJwtWith } from '../testing/verify-token';
import { kubernetesAdapter } from './kubernetes.adapter';

interface JwtFixture {
  id: string;
  platform: string;
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
  .filter((file) => file.startsWith('kubernetes-') && file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as JwtFixture)
  .filter((fixture) => fixture.format === 'jwt');

const REJECTION_CODES: Record<string, string> = {
  'kubernetes-minikube-projected-10y-2020': 'lifetime_too_long',
  'kubernetes-legacy-secret-rs256-2017': 'legacy_token',
  'kubernetes-legacy-secret-rs256-other-sa-2017': 'legacy_token',
  'kubernetes-legacy-secret-es384': 'legacy_token',
  'kubernetes-legacy-secret-bad-signature': 'signature_invalid',
};

function platformFor(fixture: JwtFixture): PlatformConfig {
  return {
    id: fixture.id,
    name: fixture.id,
    kind: 'kubernetes',
    issuer: fixture.issuer,
    jwks: fixture.jwks,
    audiences: fixture.audience === null ? ['https://broker.example/token'] : [fixture.audience].flat(),
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
    version: 1,
  };
}

describe('real Kubernetes tokens', () => {
  it('finds the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(6);
  });

  it.each(fixtures)('$id → $expect', async (fixture) => {
    const platform = platformFor(fixture);
    expect(kubernetesAdapter.registrationProblems(platform, false)).toEqual([]);
    const ctx = { now: new Date(fixture.now * 1000), keys: new KeyResolver(), allowHttp: false };
    const outcome = await verifyJwtWith(kubernetesAdapter, fixture.token, platform, ctx).then(
      () => 'accept',
      (error: unknown) => {
        expect(error).toBeInstanceOf(VerificationError);
        expect(error).toMatchObject({ code: REJECTION_CODES[fixture.id] });
        return 'reject';
      },
    );
    expect(outcome).toBe(fixture.expect);
  });
});
