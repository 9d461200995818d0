import type { webcrypto } from 'node:crypto';
import type { JWK } from 'jose';

export type { SigningAlgorithm } from './signing-algorithms';

/** What the admin API shows about a signing key; never the private half. */
export interface SigningKeyInfo {
  kid: string;
  alg: string;
  status: SigningKeyStatus;
  createdAt: Date;
  /** When it signs (signed) its first token. */
  activatesAt: Date | null;
  /** When it stops (stopped) signing: its successor's activation; null while it has none. */
  retiresAt: Date | null;
  /** Until when the public key stays in `/jwks`: the last expiry of anything it signed. */
  publishUntil: Date | null;
}

/**
 * Where a key stands: `pending` keys are published but do not sign yet, the `current` key signs,
 * `retiring` keys no longer sign and stay published until `publishUntil`, `retired` keys are no
 * longer published.
 */
export type SigningKeyStatus = 'pending' | 'current' | 'retiring' | 'retired';

/** Options of a signing-key rotation. */
export interface RotateOptions {
  /**
   * Seconds between publishing the new key and signing with it; 0 (the default) signs with it at
   * once. Resource servers that cache `/jwks` without refetching on an unknown `kid` need at least
   * their cache lifetime (and `/jwks` itself is served with `max-age=60`).
   */
  activateAfterSeconds?: number;
}

/** Why a key was rotated: on demand, its age (`FEDBROKER_KEY_ROTATION_DAYS`), or a new algorithm. */
export type RotationReason = 'demand' | 'age' | 'algorithm';

/** The key a rotation created, as its transaction sees it. */
export interface RotatedKey {
  kid: string;
  alg: string;
  activatesAt: Date;
  reason: RotationReason;
}

/** What a rewrap did to each stored key, by `kid`. */
export interface RewrapReport {
  /** Keys now wrapped under the current key-encryption key that were under a previous one. */
  rewrapped: string[];
  /** Keys already wrapped under the current key-encryption key. */
  unchanged: string[];
  /** Retired keys no configured key-encryption key opens: left as they are, never used again. */
  unreadable: string[];
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
