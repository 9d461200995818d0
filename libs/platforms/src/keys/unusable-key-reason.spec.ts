import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { inlineKeyProblems } from './inline-key-problems';
import { unusableKeyReason } from './unusable-key-reason';

describe('unusableKeyReason', () => {
  const keys: Record<string, JWK> = {};

  beforeAll(async () => {
    for (const alg of ['ES256', 'ES384', 'RS256', 'EdDSA'] as const) {
      keys[alg] = await exportJWK((await generateKeyPair(alg, { extractable: true })).publicKey);
    }
  });

  it.each(['ES256', 'ES384', 'RS256', 'EdDSA'])(
    'accepts a public %s key, with or without its alg',
    async (alg) => {
      const key = keys[alg] as JWK;
      await expect(unusableKeyReason(key)).resolves.toBeUndefined();
      await expect(unusableKeyReason({ ...key, alg })).resolves.toBeUndefined();
    },
  );

  it.each<[string, () => JWK, RegExp]>([
    ['an EC key without curve or coordinates', () => ({ kty: 'EC' }), /^crv undefined is no curve/],
    [
      'an EC point off its curve',
      () => ({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'BBBB' }),
      /does not import/,
    ],
    ['an EC key without y', () => ({ ...keys.ES256, y: undefined }), /does not import/],
    ['a key-agreement curve', () => ({ kty: 'OKP', crv: 'X25519', x: 'AAAA' }), /^crv "X25519"/],
    ['an encryption alg', () => ({ ...keys.RS256, alg: 'RSA-OAEP' }), /^alg "RSA-OAEP" is not/],
    ['an alg of another curve', () => ({ ...keys.ES256, alg: 'ES384' }), /does not import/],
    ['an RSA key under 2048 bits', () => ({ ...keys.RS256, n: 'c2hvcnQ' }), /2048 bits/],
  ])('refuses %s', async (_name, key, reason) => {
    await expect(unusableKeyReason(key())).resolves.toMatch(reason);
  });
});

describe('inlineKeyProblems', () => {
  it('names each unusable key by its field, skipping keys already refused', async () => {
    const good = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
    const jwks = { keys: [{ kty: 'EC' }, good, { kty: 'EC', crv: 'P-256' }] };
    const problems = await inlineKeyProblems(jwks, [{ field: 'jwks.keys.2', message: 'refused already' }]);
    expect(problems.map((p) => p.field)).toEqual(['jwks.keys.0']);
  });
});
