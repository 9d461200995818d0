import { webcrypto } from 'node:crypto';
import { MintingError } from './minting.error';

/** Imports a PKCS#8 DER private key once, as a non-extractable WebCrypto signing key for `alg`. */
export async function importPrivateKey(alg: string, pkcs8Der: Buffer): Promise<webcrypto.CryptoKey> {
  const params = importParams(alg);
  return await webcrypto.subtle.importKey('pkcs8', pkcs8Der, params, false, ['sign']);
}

function importParams(alg: string): webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams {
  switch (alg) {
    case 'ES256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'RS256':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    default:
      throw new MintingError('invalid_wrapped_key', `Signing key algorithm ${alg} is not supported`);
  }
}
