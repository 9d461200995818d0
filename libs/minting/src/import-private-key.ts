import { webcrypto } from 'node:crypto';
import { MintingError } from './minting.error';
import { ALGORITHM_KEYS, isSigningAlgorithm } from './signing-algorithms';

/** Imports a PKCS#8 DER private key once, as a non-extractable WebCrypto signing key for `alg`. */
export async function importPrivateKey(alg: string, pkcs8Der: Buffer): Promise<webcrypto.CryptoKey> {
  if (!isSigningAlgorithm(alg)) {
    throw new MintingError('invalid_wrapped_key', `Signing key algorithm ${alg} is not supported`);
  }
  return await webcrypto.subtle.importKey('pkcs8', pkcs8Der, ALGORITHM_KEYS[alg].import, false, ['sign']);
}
