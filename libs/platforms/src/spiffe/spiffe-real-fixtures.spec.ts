import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { presentCredential } from '../credential/present-credential';
import { VerificationError } from '../errors/verification-error';
import { KeyResolver } from '../keys/key-resolver';
import type { PlatformConfig } from '../platform-config';
import { parseSpiffeId } from './spiffe-id';
import { spiffeAdapter } from './spiffe.adapter';

interface JwtFixture {
  id: string;
  platform: string;
  format: string;
  token: string;
  jwks: { keys: JWK[] };
  issuer: string | null;
  audience: string | string[] | null;
  now: number;
  expect: 'accept' | 'reject';
  claims: Record<string, unknown>;
}

const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const dir = join(__dirname, '../../../../test/fixtures/real');
const jwtFixtures = readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as JwtFixture)
  .filter((fixture) => fixture.format === 'jwt');
const spiffeFixtures = jwtFixtures.filter((fixture) => fixture.platform === 'spiffe');

/** The fixtures README's registration, with the trust domain of the token's `sub`. */
function platformFor(fixture: JwtFixture): PlatformConfig {
  const sub = parseSpiffeId(String(fixture.claims.sub));
  const trustDomain = sub.valid ? sub.trustDomain : 'example.org';
  return {
    id: fixture.id,
    name: fixture.id,
    kind: 'spiffe',
    issuer: fixture.issuer ?? `spiffe://${trustDomain}`,
    jwks: fixture.jwks,
    audiences: fixture.audience === null ? ['https://broker.example/token'] : [fixture.audience].flat(),
    clockSkewSeconds: 60,
    settings: { trustDomain },
    enabled: true,
    version: 1,
  };
}

describe('real tokens and the SPIFFE adapter', () => {
  it.skipIf(spiffeFixtures.length === 0).each(spiffeFixtures)('$id → $expect', async (fixture) => {
    const ctx = { now: new Date(fixture.now * 1000), keys: new KeyResolver(), allowHttp: false };
    const credential = presentCredential(fixture.token, JWT_TYPE, true);
    const outcome = await spiffeAdapter.verify(credential, platformFor(fixture), ctx).then(
      () => 'accept',
      (error: unknown) => {
        expect(error).toBeInstanceOf(VerificationError);
        return 'reject';
      },
    );
    expect(outcome).toBe(fixture.expect);
  });

  it.each(jwtFixtures.filter((fixture) => fixture.platform !== 'spiffe'))(
    'does not take $id, a $platform token, for a JWT-SVID',
    (fixture) => {
      expect(spiffeAdapter.locate(presentCredential(fixture.token, JWT_TYPE, true))).toEqual([]);
    },
  );
});
