import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { VerificationError } from '../errors/verification-error';
import { KeyResolver } from '../keys/key-resolver';
import type { PlatformConfig } from '../platform-config';
import { verifyJwtWith } from '../testing/verify-token';
import { gcpAdapter } from './gcp.adapter';

interface JwtFixture {
  id: string;
  format: string;
  token: string;
  header: { kid: string };
  jwks: { keys: JWK[] };
  issuer: string;
  audience: string | string[] | null;
  now: number;
  expect: 'accept' | 'reject';
}

const dir = join(__dirname, '../../../../test/fixtures/real');
const fixtures = readdirSync(dir)
  .filter((file) => file.startsWith('gcp-') && file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as JwtFixture)
  .filter((fixture) => fixture.format === 'jwt');

/** The registration the fixtures README assumes: the fixture's issuer, keys and audience. */
function platformFor(fixture: JwtFixture, overrides: Partial<PlatformConfig> = {}): PlatformConfig {
  return {
    id: fixture.id,
    name: fixture.id,
    kind: 'gcp',
    issuer: fixture.issuer,
    jwks: fixture.jwks,
    audiences: fixture.audience === null ? ['https://broker.example/token'] : [fixture.audience].flat(),
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
    version: 1,
    ...overrides,
  };
}

function decide(fixture: JwtFixture, platform: PlatformConfig, nowSeconds = fixture.now) {
  const ctx = { now: new Date(nowSeconds * 1000), keys: new KeyResolver(), allowHttp: false };
  return verifyJwtWith(gcpAdapter, fixture.token, platform, ctx);
}

describe('real Google Cloud tokens', () => {
  it('finds the fixtures', () => {
    expect(fixtures.map((fixture) => fixture.id)).toContain('gcp-gce-identity-full-2021');
  });

  it.each(fixtures)('$id → $expect', async (fixture) => {
    const platform = platformFor(fixture);
    expect(gcpAdapter.registrationProblems(platform, false)).toEqual([]);
    const outcome = await decide(fixture, platform).then(
      () => 'accept',
      (error: unknown) => {
        expect(error).toBeInstanceOf(VerificationError);
        return 'reject';
      },
    );
    expect(outcome).toBe(fixture.expect);
  });

  it('normalizes the Compute Engine identity of the 2021 token', async () => {
    const [fixture] = fixtures.filter((f) => f.id === 'gcp-gce-identity-full-2021');
    if (fixture === undefined) throw new Error('missing fixture');
    const { identity } = await decide(fixture, platformFor(fixture));
    expect(identity).toEqual({
      platform: fixture.id,
      kind: 'gcp',
      issuer: 'https://accounts.google.com',
      subject: '104070955682298736149',
      audience: ['https://subscription.rhsm.redhat.com:443/subscription'],
      issuedAt: 1616596223,
      expiresAt: 1616599823,
      serviceAccountId: '104070955682298736149',
      serviceAccountEmail: '161958465613-compute@developer.gserviceaccount.com',
      projectId: 'fair-kingdom-308514',
      projectNumber: '161958465613',
      zone: 'us-east1-b',
      instanceId: '2589221140676718026',
      instanceName: 'instance-1',
      instanceCreationTimestamp: 1616595847,
      licenseIds: ['5731035067256925298'],
    });
  });

  const genuine = fixtures.filter((fixture) => fixture.expect === 'accept');
  type Crossed = [
    name: string,
    change: (f: JwtFixture) => { platform?: Partial<PlatformConfig>; now?: number },
    code: string,
    message: RegExp,
  ];
  const crossed: Crossed[] = [
    ['an hour and the skew after its issue', (f) => ({ now: f.now + 3600 + 61 }), 'expired', /expired/],
    [
      'by a platform expecting another audience',
      () => ({ platform: { audiences: ['https://broker.example/token'] } }),
      'audience_mismatch',
      /audience/,
    ],
    [
      "against Google's set without the token's kid (rotated away)",
      (f) => ({ platform: { jwks: { keys: f.jwks.keys.filter((key) => key.kid !== f.header.kid) } } }),
      'key_not_found',
      /no key/,
    ],
    [
      'by a platform capping lifetimes at 30 minutes',
      () => ({ platform: { settings: { maxTokenLifetimeSeconds: 1800 } } }),
      'lifetime_too_long',
      /lifetime/,
    ],
  ];

  describe.each(genuine)('$id is refused', (fixture) => {
    it.each(crossed)('%s', async (_name, change, code, message) => {
      const { platform, now } = change(fixture);
      const error: unknown = await decide(fixture, platformFor(fixture, platform), now).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(VerificationError);
      expect(error).toMatchObject({ code });
      expect((error as Error).message).toMatch(message);
    });
  });
});
