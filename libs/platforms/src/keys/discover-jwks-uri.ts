import { getJson, type KeyFetchOptions } from './get-json';
import { KeySourceError } from './key-source-error';

/** Where OpenID Connect Discovery 1.0 §4 puts an issuer's configuration. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * Reads `jwks_uri` from the issuer's discovery document, which must name that same issuer
 * (OpenID Connect Discovery 1.0 §4.3).
 */
export async function discoverJwksUri(
  issuer: string,
  caBundle: string | undefined,
  options: KeyFetchOptions,
): Promise<string> {
  const url = discoveryUrl(issuer);
  const document = await getJson(url, caBundle, options);
  if (typeof document !== 'object' || document === null) {
    throw new KeySourceError(`GET ${url}: not a discovery document`);
  }
  const { issuer: named, jwks_uri: jwksUri } = document as Record<string, unknown>;
  if (named !== issuer) {
    throw new KeySourceError(`GET ${url}: the discovery document names another issuer`);
  }
  if (typeof jwksUri !== 'string' || jwksUri === '') {
    throw new KeySourceError(`GET ${url}: the discovery document has no jwks_uri`);
  }
  return jwksUri;
}
