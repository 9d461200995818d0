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
  status: SigningKeyStatus;
}

/**
 * Where a key stands: `pending` keys are published but do not sign yet, the `active` key signs,
 * `retired` keys no longer sign and stay published until `publishUntil`.
 */
export type SigningKeyStatus = 'pending' | 'active' | 'retired';

/** Options of a signing-key rotation. */
export interface RotateOptions {
  /**
   * Seconds between publishing the new key and signing with it; 0 (the default) signs with it at
   * once. Resource servers that cache `/jwks` without refetching on an unknown `kid` need at least
   * their cache lifetime (and `/jwks` itself is served with `max-age=60`).
   */
  activateAfterSeconds?: number;
}

/** The key that signs new tokens, ready for use. */
export interface CurrentSigningKey {
  kid: string;
  alg: string;
  privateKey: webcrypto.CryptoKey;
  /** When it starts (or started) signing: its age in the metrics counts from here. */
  activatesAt: Date;
}

/** A JSON Web Key Set of public keys (RFC 7517 §5). */
export interface PublicJwks {
  keys: JWK[];
}
