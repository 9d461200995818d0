import {
  issuerOfRoute,
  keySetClash,
  type AdapterRegistry,
  type PlatformRegistration,
} from '@fedbroker/platforms';

/** Why the broker could not tell a platform from another, and the field of the first at fault. */
export interface PlatformClash {
  /** The body field (`issuer`, `jwks`, `settings.tenantId`…). */
  field: string;
  /** What the other platform does, worded after its name (`answers to iss …`). */
  reason: string;
}

/**
 * Tells whether the broker could tell `mine` from each platform it is given, as every platform write
 * checks it: they may not answer to one route key (issuer, issuer and key id, trust domain, tenant,
 * account), platforms of different kinds may not share an issuer at all (a key-id route is more
 * specific than an issuer route, so it would take the other kind's credentials that carry that key
 * id), and platforms of one issuer are told apart by the key ids of their inline keys, none held by
 * both. `mine`'s routes are worked out once, for every platform it is then compared with.
 */
export function platformClashWith(
  adapters: AdapterRegistry,
  mine: PlatformRegistration,
): (theirs: PlatformRegistration) => Promise<PlatformClash | undefined> {
  const adapter = adapters.get(mine.kind);
  const routes = adapter.routeKeys(mine);
  return async (theirs) => {
    const theirRoutes = adapters.get(theirs.kind).routeKeys(theirs);
    const exact = routes.find((key) => theirRoutes.includes(key));
    if (exact !== undefined) return { field: adapter.routeField(exact), reason: `answers to ${exact}` };
    const issuer = sharedIssuer(routes, theirRoutes);
    if (issuer === undefined) return undefined;
    if (theirs.kind !== mine.kind) return { field: 'issuer', reason: `answers to the issuer ${issuer}` };
    return keySetClash(mine, theirs);
  };
}

/** The issuer both lists of routes name, if any. */
function sharedIssuer(mine: readonly string[], theirs: readonly string[]): string | undefined {
  const theirIssuers = new Set(theirs.map(issuerOfRoute).filter((issuer) => issuer !== undefined));
  return mine.map(issuerOfRoute).find((issuer) => issuer !== undefined && theirIssuers.has(issuer));
}
