import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SigningAlgorithm } from './signing-key.types';

const generate = promisify(generateKeyPair);

/** A freshly generated key pair: its RFC 7638 thumbprint as `kid`, public JWK and PKCS#8 DER. */
export interface GeneratedSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  publicJwk: JWK;
  pkcs8Der: Buffer;
}

/** Generates a P-256 (ES256) or 2048-bit RSA (RS256) signing key. */
export async function generateSigningKey(alg: SigningAlgorithm): Promise<GeneratedSigningKey> {
  const { publicKey, privateKey } =
    alg === 'ES256'
      ? await generate('ec', { namedCurve: 'P-256' })
      : await generate('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    kid,
    alg,
    publicJwk: { ...jwk, kid, alg, use: 'sig' },
    pkcs8Der: privateKey.export({ format: 'der', type: 'pkcs8' }),
  };
}
