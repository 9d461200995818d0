import { jwtKeySource, type KeySource } from '../keys/key-source';
import type { PlatformConfig } from '../platform-config';
import { defaultKeysUri } from './entra-issuers';

/**
 * The keys of an Azure platform's Entra tokens: its inline `jwks` or `jwksUri` when given (tests,
 * national clouds, apps with their own signing keys), else Microsoft's common key set as a
 * `jwks-uri` source, so that every tenant's platform shares one cached fetch.
 */
export function azureKeySource(platform: PlatformConfig): KeySource {
  const url = defaultKeysUri(platform.issuer);
  if (platform.jwks !== undefined || platform.jwksUri !== undefined || url === undefined) {
    return jwtKeySource(platform);
  }
  return { type: 'jwks-uri', url, caBundle: platform.caBundle };
}
