import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import type { PlatformConfig } from '../platform-config';

/**
 * Where a platform's verification keys come from. Fetched sources are cached by {@link keySourceId},
 * so platforms that share a source (fifty Azure tenants, one Microsoft key set) share one fetch.
 */
export type KeySource =
  | { type: 'inline'; jwks: { keys: JWK[] } }
  | { type: 'jwks-uri'; url: string; caBundle?: string | undefined }
  | { type: 'oidc-discovery'; issuer: string; caBundle?: string | undefined }
  /** SPIFFE Trust Domain and Bundle §4: `jwt-svid` keys only, refreshed per `spiffe_refresh_hint`. */
  | { type: 'spiffe-bundle'; url: string; caBundle?: string | undefined }
  /** X.509 certificates (PEM) that verify signed documents: AWS region certificates, pinned CAs. */
  | { type: 'certificates'; pems: readonly string[] };

/** The source a platform's `jwks`, `jwksUri` or issuer (OIDC discovery) names. */
export function jwtKeySource(platform: PlatformConfig): KeySource {
  if (platform.jwks !== undefined) return { type: 'inline', jwks: platform.jwks };
  if (platform.jwksUri !== undefined) {
    return { type: 'jwks-uri', url: platform.jwksUri, caBundle: platform.caBundle };
  }
  return { type: 'oidc-discovery', issuer: platform.issuer, caBundle: platform.caBundle };
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

/**
 * Ids of inline key sets and certificate lists, by the object a platform's configuration holds: a
 * catalog snapshot's objects do not change, and `/token` asks for the id on every request.
 */
const contentIds = new WeakMap<object, string>();

function contentId(content: object, compute: () => string): string {
  let id = contentIds.get(content);
  if (id === undefined) {
    id = compute();
    contentIds.set(content, id);
  }
  return id;
}

/** The cache identity of a source: its type, location and trust roots. */
export function keySourceId(source: KeySource): string {
  switch (source.type) {
    case 'inline':
      return contentId(source.jwks, () => `inline ${digest(JSON.stringify(source.jwks))}`);
    case 'certificates':
      return contentId(source.pems, () => `certificates ${digest(source.pems.join('\n'))}`);
    case 'jwks-uri':
    case 'spiffe-bundle':
      return `${source.type} ${source.url} ${digest(source.caBundle ?? '')}`;
    case 'oidc-discovery':
      return `${source.type} ${source.issuer} ${digest(source.caBundle ?? '')}`;
  }
}
