import type { PresentedCredential } from '../credential/presented-credential';
import type { PlatformRegistration } from '../platform-config';
import { issuerKeyRoute, issuerRoute } from './route-keys';

/** The route of a platform found by its exact issuer. */
export function issuerRoutes(platform: PlatformRegistration): string[] {
  return [issuerRoute(platform.issuer)];
}

/**
 * The routes of a platform found by issuer and key id: one per `kid` of its inline key set, so that
 * clusters sharing an issuer string are told apart by their keys; by issuer alone otherwise.
 */
export function issuerKeyRoutes(platform: PlatformRegistration): string[] {
  const kids = platform.jwks?.keys.map((key) => key.kid) ?? [];
  if (kids.length === 0 || kids.some((kid) => typeof kid !== 'string' || kid === '')) {
    return issuerRoutes(platform);
  }
  return [...new Set(kids as string[])].map((kid) => issuerKeyRoute(platform.issuer, kid));
}

/** A JWT's issuer route, or none for a credential without a string `iss`. */
export function locateByIssuer(credential: PresentedCredential): string[] {
  const iss = credential.jwt?.claims.iss;
  return typeof iss === 'string' && iss !== '' ? [issuerRoute(iss)] : [];
}

/** A JWT's issuer-and-key route, then its issuer route. */
export function locateByIssuerAndKey(credential: PresentedCredential): string[] {
  const routes = locateByIssuer(credential);
  const iss = credential.jwt?.claims.iss;
  const kid = credential.jwt?.header.kid;
  if (routes.length === 0 || typeof kid !== 'string' || kid === '') return routes;
  return [issuerKeyRoute(String(iss), kid), ...routes];
}
