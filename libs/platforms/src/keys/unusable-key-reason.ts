import { importJWK, type JWK } from 'jose';
import { showValue } from '../errors/show-value';
import { ALLOWED_ALGORITHMS } from '../jwt/allowed-algorithms';

const MIN_RSA_MODULUS_BYTES = 256;

/** The algorithm a key without `alg` signs with, by its curve (RFC 7518 §3.4, RFC 8037 §3.1). */
const CURVE_ALGORITHMS: Readonly<Record<string, string>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  Ed25519: 'EdDSA',
  Ed448: 'EdDSA',
};

function algorithmOf(key: JWK): string | undefined {
  if (key.alg !== undefined) return key.alg;
  return key.kty === 'RSA' ? 'RS256' : CURVE_ALGORITHMS[String(key.crv)];
}

/**
 * Why a JWK could never verify a platform's token, or undefined when it imports (jose `importJWK`,
 * with its own `alg` or the one its type and curve sign with) as a public key of an accepted
 * signature algorithm: a key lacking members, a point off its curve, a curve for key agreement, an
 * encryption `alg`, an RSA modulus under 2048 bits (RFC 8725 §3.5).
 */
export async function unusableKeyReason(key: JWK): Promise<string | undefined> {
  const alg = algorithmOf(key);
  if (alg === undefined) return `crv ${showValue(key.crv)} is no curve of an accepted signature algorithm`;
  if (!ALLOWED_ALGORITHMS.includes(alg))
    return `alg ${showValue(alg)} is not an accepted signature algorithm`;
  if (key.kty === 'RSA' && Buffer.from(String(key.n ?? ''), 'base64url').length < MIN_RSA_MODULUS_BYTES) {
    return 'RSA keys must be at least 2048 bits';
  }
  try {
    const imported = await importJWK({ ...key, ext: true }, alg);
    return imported instanceof Uint8Array || imported.type !== 'public' ? 'not a public key' : undefined;
  } catch (error) {
    return `it does not import: ${error instanceof Error ? error.message : String(error)}`;
  }
}
