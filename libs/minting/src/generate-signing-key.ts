import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { ALGORITHM_KEYS, type SigningAlgorithm } from './signing-algorithms';

const generate = promisify(generateKeyPair);

/** A freshly generated key pair: its RFC 7638 thumbprint as `kid`, public JWK and PKCS#8 DER. */
export interface GeneratedSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  publicJwk: JWK;
  pkcs8Der: Buffer;
}

/** Generates a key for `alg`: P-256, P-384, 3072-bit RSA or Ed25519. */
export async function generateSigningKey(alg: SigningAlgorithm): Promise<GeneratedSigningKey> {
  const { publicKey, privateKey } = await generatePair(alg);
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    kid,
    alg,
    publicJwk: { ...jwk, kid, alg, use: 'sig' },
    pkcs8Der: privateKey.export({ format: 'der', type: 'pkcs8' }),
  };
}

function generatePair(alg: SigningAlgorithm): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  const params = ALGORITHM_KEYS[alg].generate;
  switch (params.type) {
    case 'ec':
      return generate('ec', { namedCurve: params.namedCurve });
    case 'rsa':
      return generate('rsa', { modulusLength: params.modulusLength });
    case 'ed25519':
      return generate('ed25519', {});
  }
}
