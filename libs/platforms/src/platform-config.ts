import type { JWK } from 'jose';
import type { PlatformKind } from './platform-kind';

/** A registered platform, as held in memory. */
export interface PlatformConfig {
  id: string;
  name: string;
  kind: PlatformKind;
  /** Matched exactly against the token's `iss`. */
  issuer: string;
  /** Inline key set; excludes `jwksUri`. */
  jwks?: { keys: JWK[] } | undefined;
  /** Where to fetch the key set; without it and without `jwks`, OIDC discovery at the issuer is used. */
  jwksUri?: string | undefined;
  /** PEM certificates trusted for `https` key and discovery URLs, replacing the system roots. */
  caBundle?: string | undefined;
  /** Accepted `aud` values (the caller fills the defaults). */
  audiences: string[];
  clockSkewSeconds: number;
  /** Kind-specific settings, validated by the adapter's `settingsSchema`. */
  settings: Record<string, unknown>;
  enabled: boolean;
  /** Each credential is accepted once (its replay key recorded until it expires); absent: off. */
  oneTimeUse?: boolean | undefined;
  /** Bumps on every admin write; key caches are keyed by `id` and `version`. */
  version: number;
}

/** The fields an admin write supplies, before the store assigns `id` and `version`. */
export type PlatformRegistration = Omit<PlatformConfig, 'id' | 'version'>;
