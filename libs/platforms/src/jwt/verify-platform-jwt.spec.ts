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

  it.each([
    [
      "an issuer other than the platform's, naming both",
      { iss: 'https://other.example', exp: NOW + 60 },
      {
        code: 'issuer_not_trusted',
        message:
          'the issuer is not trusted: the "iss" claim "https://other.example" is not the platform\'s issuer "https://ci.example"',
        publicDetail: undefined,
      },
    ],
    [
      'an expired token, naming exp and the clock',
      { iat: NOW - 120, exp: NOW - 60 },
      {
        code: 'expired',
        message: expect.stringMatching(
          /exp .*\(1749999940\) is not after now .*\(clock skew 0 s\)$/,
        ) as unknown,
        publicDetail: expect.stringContaining('1749999940') as unknown,
      },
    ],
    [
      'a token for another audience, naming both lists',
      { aud: 'elsewhere', exp: NOW + 60 },
      {
        code: 'audience_mismatch',
        publicDetail: 'aud ["elsewhere"] names none of the accepted audiences ["broker"]',
      },
    ],
  ])('refuses %s', async (_name, overrides, refusal) => {
    const token = await signToken(key, claims(overrides));
    await expect(
      verifyPlatformJwt(present(token), platform, ctx(), { maxLifetimeSeconds: 300 }),
    ).rejects.toMatchObject(refusal);
  });

  it('names the key id no key of the platform matches', async () => {
    const stranger = await createSigningKey('EdDSA', 'stranger-key');
    const token = await signToken(stranger, claims({ exp: NOW + 60 }));
    await expect(
      verifyPlatformJwt(present(token), platform, ctx(), { maxLifetimeSeconds: 300 }),
    ).rejects.toMatchObject({
      code: 'key_not_found',
      message: 'no key of the platform matches the token: kid "stranger-key" (alg "EdDSA")',
    });
  });

  it('refuses a token over the length limit before decoding it', async () => {
    const token = await signToken(key, claims({ exp: NOW + 60, padding: 'x'.repeat(16 * 1024) }));
    expect(() => present(token)).toThrow(expect.objectContaining({ code: 'malformed' }));
  });
});
