import type { PresentedCredential } from '../credential/presented-credential';
import { kindRoute } from '../routing/route-keys';
import { hasSpiffeScheme, trustDomainProblem } from './spiffe-id';

const SCHEME_LENGTH = 'spiffe://'.length;

/** The route of the SPIFFE platform of one trust domain. */
export function trustDomainRoute(trustDomain: string): string {
  return kindRoute('spiffe', trustDomain);
}

/**
 * The trust domain route of a JWT whose `sub` is written as a SPIFFE ID: a JWT-SVID is verified with
 * the bundle of its `sub`'s trust domain (JWT-SVID §4), so a token never meets another domain's keys.
 * None for any other credential, or a `sub` whose trust domain no platform could register. The rest
 * of the SPIFFE ID is checked once the token is verified.
 */
export function locateByTrustDomain(credential: PresentedCredential): string[] {
  const sub = credential.jwt?.claims.sub;
  if (typeof sub !== 'string' || !hasSpiffeScheme(sub)) return [];
  const rest = sub.slice(SCHEME_LENGTH);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  return trustDomainProblem(trustDomain) === undefined ? [trustDomainRoute(trustDomain)] : [];
}
