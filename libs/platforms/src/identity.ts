import type { PlatformKind } from './platform-kind';

/**
 * The normalized identity of a verified workload (the CEL variable `identity`).
 *
 * Times are seconds since the epoch. A field the token does not carry is absent, never an empty
 * string; identifiers are strings, flags booleans.
 */
export type Identity = {
  /** The platform's name. */
  platform: string;
  kind: PlatformKind;
  issuer: string;
  /** The token's `sub`. */
  subject: string;
  audience: string[];
  /** The token's `jti`, when present. */
  tokenId?: string;
  issuedAt?: number;
  expiresAt: number;
} & Record<string, unknown>;

/** The outcome of a successful verification. */
export interface VerifiedCredential {
  /** The verified raw claims (for a signed document, its parsed content). */
  claims: Record<string, unknown>;
  identity: Identity;
  /** Seconds since the epoch: when the credential stops being accepted. */
  expiresAt: number;
  tokenId?: string;
  /** The key under which one-time use of this credential is recorded (see `replayKey`). */
  replayKey: string;
}
