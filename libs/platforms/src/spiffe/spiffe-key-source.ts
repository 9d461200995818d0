import { jwtKeySource, type KeySource } from '../keys/key-source';
import { isSpiffeBundle, jwtSvidKeys } from '../keys/parse-spiffe-bundle';
import type { PlatformConfig } from '../platform-config';
import type { SpiffeSettings } from './spiffe-settings.schema';

/**
 * Where a SPIFFE platform's JWT-SVID keys come from, all of them its own trust domain's: the bundle
 * endpoint (`settings.bundleEndpointUrl`), a static bundle (inline `jwks`: of a SPIFFE bundle, only
 * its `jwt-svid` keys), a `jwksUri`, or OIDC discovery at the issuer URL (SPIRE's OIDC Discovery
 * Provider).
 */
export function spiffeKeySource(platform: PlatformConfig, settings: SpiffeSettings): KeySource {
  if (settings.bundleEndpointUrl !== undefined) {
    return { type: 'spiffe-bundle', url: settings.bundleEndpointUrl, caBundle: platform.caBundle };
  }
  if (platform.jwks !== undefined && isSpiffeBundle(platform.jwks)) {
    return { type: 'inline', jwks: { keys: jwtSvidKeys(platform.jwks.keys) } };
  }
  return jwtKeySource(platform);
}
