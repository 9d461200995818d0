import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { generateSigningKey } from './generate-signing-key';
import { importPrivateKey } from './import-private-key';
import { SIGNING_ALGORITHMS } from './signing-algorithms';

describe('generateSigningKey', () => {
  it.each([
    ['ES256', { kty: 'EC', crv: 'P-256' }],
    ['ES384', { kty: 'EC', crv: 'P-384' }],
    ['RS256', { kty: 'RSA', e: 'AQAB' }],
    ['EdDSA', { kty: 'OKP', crv: 'Ed25519' }],
  ] as const)('makes %s keys that sign tokens their public JWK verifies', async (alg, shape) => {
    const key = await generateSigningKey(alg);
    expect(key.publicJwk).toMatchObject({ ...shape, alg, use: 'sig', kid: key.kid });
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(await calculateJwkThumbprint(key.publicJwk)).toBe(key.kid);

    const privateKey = await importPrivateKey(alg, key.pkcs8Der);
    const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg, kid: key.kid }).sign(privateKey);
    const { protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: [key.publicJwk] }));
    expect(protectedHeader.alg).toBe(alg);
  });

  it('makes 3072-bit RSA keys', async () => {
    const key = await generateSigningKey('RS256');
    const publicKey = createPublicKey({ key: key.publicJwk, format: 'jwk' });
    expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it('covers every algorithm the broker offers', () => {
    expect([...SIGNING_ALGORITHMS]).toEqual(['ES256', 'ES384', 'RS256', 'EdDSA']);
  });

  it('refuses to import a key of an algorithm it does not sign with', async () => {
    const key = await generateSigningKey('ES256');
    await expect(importPrivateKey('HS256', key.pkcs8Der)).rejects.toMatchObject({
      code: 'invalid_wrapped_key',
    });
  });
});
