import type { JSONWebKeySet } from 'jose';
import { discoverJwksUri } from './discover-jwks-uri';
import { getJson, type KeyFetchOptions } from './get-json';
import type { KeySource } from './key-source';
import { KeySourceError } from './key-source-error';
import { parseJwks } from './parse-jwks';
import { parseSpiffeBundle } from './parse-spiffe-bundle';

/** A fetched key set and how long its source asks it to be used before the next fetch. */
export interface LoadedKeySet {
  jwks: JSONWebKeySet;
  /** The source's own refresh interval (a SPIFFE `spiffe_refresh_hint`), when it gives one. */
  refreshAfterMs?: number;
  /** A SPIFFE bundle's `spiffe_sequence`, when given. */
  sequence?: number;
}

/** Fetches the key set of a remote source. */
export async function loadKeySet(source: KeySource, options: KeyFetchOptions): Promise<LoadedKeySet> {
  switch (source.type) {
    case 'jwks-uri':
      return { jwks: parseJwks(await getJson(source.url, source.caBundle, options), source.url) };
    case 'oidc-discovery': {
      const url = await discoverJwksUri(source.issuer, source.caBundle, options);
      return { jwks: parseJwks(await getJson(url, source.caBundle, options), url) };
    }
    case 'spiffe-bundle':
      return parseSpiffeBundle(await getJson(source.url, source.caBundle, options), source.url);
    case 'inline':
    case 'certificates':
      throw new KeySourceError(`a ${source.type} key source is not fetched`);
  }
}
