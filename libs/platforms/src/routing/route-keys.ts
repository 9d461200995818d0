/**
 * Route keys say how a credential finds its platform. A registered platform answers to its keys;
 * a credential yields the keys to look up, most specific first. Two platforms that answer to the
 * same key could not be told apart, so that registration is refused.
 */

/** A platform found by the exact, case-sensitive `iss` (RFC 8414 §3.3; no normalization). */
export function issuerRoute(issuer: string): string {
  return `iss ${issuer}`;
}

/** A platform found by issuer and key id: clusters that share one issuer string, each with its keys. */
export function issuerKeyRoute(issuer: string, kid: string): string {
  return `iss ${issuer} kid ${kid}`;
}

/** A route of a kind's own namespace (`spiffe` trust domain, `azure` tenant, `aws` account…). */
export function kindRoute(kind: string, value: string): string {
  return `${kind} ${value}`;
}

/**
 * The registration field an issuer route comes from, named when two platforms clash on it: `jwks`
 * for an issuer-and-key route (its key ids), else `issuer`.
 */
export function issuerRouteField(route: string): string {
  return route.lastIndexOf(' kid ') === -1 ? 'issuer' : 'jwks';
}

/** The issuer an issuer or issuer-and-key route names, or `undefined` for a kind's own route. */
export function issuerOfRoute(route: string): string | undefined {
  if (!route.startsWith('iss ')) return undefined;
  const kid = route.lastIndexOf(' kid ');
  return kid === -1 ? route.slice(4) : route.slice(4, kid);
}
