import type { JWK } from 'jose';
import { KeySourceError } from './key-source-error';
import type { LoadedKeySet } from './load-key-set';
import { parseJwks } from './parse-jwks';

const MIN_REFRESH_MS = 30_000;

/**
 * A SPIFFE bundle (SPIFFE Trust Domain and Bundle §4): a JWK Set whose keys carry `use`. Only
 * `jwt-svid` keys with a `kid` verify JWT-SVIDs (JWT-SVID §6); `spiffe_refresh_hint` (seconds) sets
 * the refresh interval, never below 30 s.
 */
export function parseSpiffeBundle(document: unknown, url: string): LoadedKeySet {
  const jwks = parseJwks(document, url);
  const { spiffe_refresh_hint: hint, spiffe_sequence: sequence } = document as Record<string, unknown>;
  if (hint !== undefined && (typeof hint !== 'number' || !Number.isFinite(hint) || hint < 0)) {
    throw new KeySourceError(`GET ${url}: spiffe_refresh_hint is not a number of seconds`);
  }
  const keys = jwks.keys
    .filter((key: JWK) => key.use === 'jwt-svid' && typeof key.kid === 'string' && key.kid !== '')
    .map((key): JWK => ({ ...key, use: 'sig' }));
  return {
    jwks: { keys },
    ...(typeof hint === 'number' ? { refreshAfterMs: Math.max(hint * 1000, MIN_REFRESH_MS) } : {}),
    ...(typeof sequence === 'number' ? { sequence } : {}),
  };
}
