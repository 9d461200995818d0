import type { JSONWebKeySet, JWK } from 'jose';
import { KeySourceError } from './key-source-error';

/** Checks that a fetched document is a JWK Set (RFC 7517 §5) whose members each name a `kty`. */
export function parseJwks(document: unknown, url: string): JSONWebKeySet {
  const keys =
    typeof document === 'object' && document !== null ? (document as { keys?: unknown }).keys : undefined;
  if (
    !Array.isArray(keys) ||
    !keys.every(
      (key: unknown) =>
        typeof key === 'object' && key !== null && typeof (key as { kty?: unknown }).kty === 'string',
    )
  ) {
    throw new KeySourceError(`GET ${url}: not a JWK Set`);
  }
  const members: unknown[] = keys;
  return { keys: members as JWK[] };
}
