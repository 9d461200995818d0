import type { JSONWebKeySet } from 'jose';
import type { PlatformConfig } from '../platform-config';
import { discoverJwksUri } from './discover-jwks-uri';
import { getJson, type KeyFetchOptions } from './get-json';
import { parseJwks } from './parse-jwks';

/** Fetches a platform's key set from its `jwksUri`, or through OIDC discovery when it has none. */
export async function loadRemoteJwks(
  platform: PlatformConfig,
  options: KeyFetchOptions,
): Promise<JSONWebKeySet> {
  const jwksUri = platform.jwksUri ?? (await discoverJwksUri(platform, options));
  return parseJwks(await getJson(jwksUri, platform, options), jwksUri);
}
