import type { webcrypto } from 'node:crypto';
import type { JWK } from 'jose';

/** Algorithms the broker signs access tokens with. */
export type SigningAlgorithm = 'ES256' | 'RS256';

/** What the admin API shows about a signing key; never the private half. */
export interface SigningKeyInfo {
  kid: string;
  alg: string;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  /** Until when the public key stays in `/jwks`: the last expiry of anything it signed. */
  publishUntil: Date | null;
  status: 'active' | 'retired';
}

/** The key that signs new tokens, ready for use. */
export interface CurrentSigningKey {
  kid: string;
  alg: string;
  privateKey: webcrypto.CryptoKey;
}

/** A JSON Web Key Set of public keys (RFC 7517 §5). */
export interface PublicJwks {
  keys: JWK[];
}
