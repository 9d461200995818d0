import type { JSONWebKeySet, JWK } from 'jose';
import { KeySourceError } from './key-source-error';
import type { LoadedKeySet } from './load-key-set';
import { parseJwks } from './parse-jwks';

const MIN_REFRESH_MS = 30_000;

/** SPIFFE Trust Domain and Bundle §4.2: what a bundle's key is authoritative for. */
const SPIFFE_KEY_USES: ReadonlySet<unknown> = new Set(['jwt-svid', 'x509-svid']);

/** Whether a JWK Set is a SPIFFE bundle: some key carries a SPIFFE `use` (`jwt-svid`, `x509-svid`). */
export function isSpiffeBundle(jwks: { keys: readonly JWK[] }): boolean {
  return jwks.keys.some((key) => SPIFFE_KEY_USES.has(key.use));
}

/**
 * The keys of a SPIFFE bundle that verify JWT-SVIDs (JWT-SVID §6): `use: "jwt-svid"` with a `kid`,
 * handed on as signature keys. X.509 CA keys, keys without `use` and keys with another `use` are
 * left out.
 */
export function jwtSvidKeys(keys: readonly JWK[]): JWK[] {
  return keys
    .filter((key) => key.use === 'jwt-svid' && typeof key.kid === 'string' && key.kid !== '')
    .map((key): JWK => ({ ...key, use: 'sig' }));
}

function isSequence(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * A SPIFFE bundle (SPIFFE Trust Domain and Bundle §4): a JWK Set whose keys carry `use`. Only its
 * JWT-SVID keys are kept; `spiffe_refresh_hint` (seconds) sets the refresh interval, never below
 * 30 s; `spiffe_sequence`, when present, must be a non-negative integer and is returned so that a
 * bundle older than the one in use can be refused.
 */
export function parseSpiffeBundle(document: unknown, url: string): LoadedKeySet {
  const jwks: JSONWebKeySet = parseJwks(document, url);
  const { spiffe_refresh_hint: hint, spiffe_sequence: sequence } = document as Record<string, unknown>;
  if (hint !== undefined && (typeof hint !== 'number' || !Number.isFinite(hint) || hint < 0)) {
    throw new KeySourceError(`GET ${url}: spiffe_refresh_hint is not a number of seconds`);
  }
  if (sequence !== undefined && !isSequence(sequence)) {
    throw new KeySourceError(`GET ${url}: spiffe_sequence is not a non-negative integer`);
  }
  return {
    jwks: { keys: jwtSvidKeys(jwks.keys) },
    ...(hint === undefined ? {} : { refreshAfterMs: Math.max(hint * 1000, MIN_REFRESH_MS) }),
    ...(sequence === undefined ? {} : { sequence }),
  };
}
