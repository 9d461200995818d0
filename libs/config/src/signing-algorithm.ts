/** The values of `FEDBROKER_SIGNING_ALG`; the minting library generates keys for each. */
export const SIGNING_ALGS = ['ES256', 'ES384', 'RS256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGS)[number];
