import type { JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { presentCredential } from '../credential/present-credential';
import type { PresentedCredential } from '../credential/presented-credential';
import { KeyResolver } from '../keys/key-resolver';
import type { PlatformConfig } from '../platform-config';
import { createSigningKey, signToken, type TestSigningKey } from '../testing/signing-key';
import { verifyPlatformJwt } from './verify-platform-jwt';

const NOW = 1_750_000_000;

function present(token: string): PresentedCredential {
  return presentCredential(token, 'urn:ietf:params:oauth:token-type:jwt', true);
}
const ISSUER = 'https://ci.example';

describe('verifyPlatformJwt', () => {
  let key: TestSigningKey;
  let platform: PlatformConfig;
  const ctx = () => ({ now: new Date(NOW * 1000), keys: new KeyResolver(), allowHttp: false });
  const claims = (overrides: JWTPayload): JWTPayload => ({
    iss: ISSUER,
    aud: 'broker',
    sub: 'job',
    ...overrides,
  });

  beforeAll(async () => {
    key = await createSigningKey('EdDSA', 'ed');
    platform = {
      id: 'ci',
      name: 'ci',
      kind: 'gitlab',
      issuer: ISSUER,
      jwks: { keys: [key.publicJwk] },
      audiences: ['broker'],
      clockSkewSeconds: 0,
      settings: {},
      enabled: true,
      version: 1,
    };
  });

  it('returns the verified claims, times and audience list', async () => {
    const token = await signToken(key, claims({ iat: NOW, nbf: NOW, exp: NOW + 300 }));
    await expect(
      verifyPlatformJwt(present(token), platform, ctx(), { maxLifetimeSeconds: 300 }),
    ).resolves.toMatchObject({
      header: { alg: 'EdDSA', kid: 'ed' },
      claims: { sub: 'job' },
      audience: ['broker'],
      issuedAt: NOW,
      notBefore: NOW,
      expiresAt: NOW + 300,
    });
  });

  it.each([
    ['exp - iat', { iat: NOW, nbf: NOW - 900, exp: NOW + 301 }],
    ['exp - nbf without iat', { nbf: NOW - 600, exp: NOW + 1 }],
    ['exp - now without iat or nbf', { exp: NOW + 301 }],
  ])('caps the lifetime measured as %s', async (_name, times) => {
    const token = await signToken(key, claims(times));
    await expect(
      verifyPlatformJwt(present(token), platform, ctx(), { maxLifetimeSeconds: 300 }),
    ).rejects.toMatchObject({
      code: 'lifetime_too_long',
    });
  });

  it('requires exp', async () => {
    const token = await signToken(key, claims({ iat: NOW }));
    await expect(
      verifyPlatformJwt(present(token), platform, ctx(), { maxLifetimeSeconds: 300 }),
    ).rejects.toMatchObject({
      code: 'missing_claim',
    });
  });

  it('runs the kind inspection after the signature and before the claim checks', async () => {
    const seen: JWTPayload[] = [];
    const token = await signToken(key, claims({ iat: NOW }));
    await expect(
      verifyPlatformJwt(present(token), platform, ctx(), {
        maxLifetimeSeconds: 300,
        inspect: (c) => void seen.push(c),
      }),
    ).rejects.toMatchObject({ code: 'missing_claim' });
    expect(seen).toHaveLength(1);
  });

  it('refuses a token over the length limit before decoding it', async () => {
    const token = await signToken(key, claims({ exp: NOW + 60, padding: 'x'.repeat(16 * 1024) }));
    expect(() => present(token)).toThrow(expect.objectContaining({ code: 'malformed' }));
  });
});
