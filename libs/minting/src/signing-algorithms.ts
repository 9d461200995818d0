import type { webcrypto } from 'node:crypto';

/** Algorithms the broker signs access tokens with (`FEDBROKER_SIGNING_ALG`). */
export const SIGNING_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/**
 * How each algorithm's keys are generated (`node:crypto`) and imported for signing (WebCrypto).
 * RS256 keys are 3072-bit: 128-bit security, which NIST SP 800-57 asks of keys used after 2030
 * (2048-bit keys give 112); signing costs about three times as much as at 2048 bits.
 */
export const ALGORITHM_KEYS: Readonly<
  Record<
    SigningAlgorithm,
    {
      generate:
        { type: 'ec'; namedCurve: string } | { type: 'rsa'; modulusLength: number } | { type: 'ed25519' };
      import: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams | webcrypto.Algorithm;
    }
  >
> = {
  ES256: { generate: { type: 'ec', namedCurve: 'P-256' }, import: { name: 'ECDSA', namedCurve: 'P-256' } },
  ES384: { generate: { type: 'ec', namedCurve: 'P-384' }, import: { name: 'ECDSA', namedCurve: 'P-384' } },
  RS256: {
    generate: { type: 'rsa', modulusLength: 3072 },
    import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  },
  EdDSA: { generate: { type: 'ed25519' }, import: { name: 'Ed25519' } },
};

export function isSigningAlgorithm(alg: string): alg is SigningAlgorithm {
  return (SIGNING_ALGORITHMS as readonly string[]).includes(alg);
}
