import type { PlatformKind } from './platform-kind';

/**
 * The normalized identity of a verified workload (the CEL variable `identity`).
 *
 * Times are seconds since the epoch. A field the token does not carry is absent, never an empty
 * string; identifiers are strings.
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
  /** The verified raw claims. */
  claims: Record<string, unknown>;
  identity: Identity;
  /** Seconds since the epoch. */
  expiresAt: number;
  tokenId?: string;
}
