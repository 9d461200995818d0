import { issuerOfRoute, type PlatformConfig } from '@fedbroker/platforms';
import { PolicySet, type CompiledPolicy } from '@fedbroker/policy';

/** An immutable view of every platform and compiled policy: what `/token` reads, never the database. */
export class CatalogSnapshot {
  private readonly byName: ReadonlyMap<string, PlatformConfig>;
  /** Every platform found by issuer (alone or with a key id), per issuer. */
  private readonly byIssuer = new Map<string, PlatformConfig[]>();
  /** Each platform's {@link PolicySet}, built on first use. */
  private readonly policySets = new Map<string, PolicySet>();

  /**
   * `routes`: every route key to the one platform that answers to it (see the platforms lib).
   * `previous`: the snapshot this one replaces; a platform whose policy list is the very same array
   * keeps the policy set `previous` built for it, so a change to one platform rebuilds one index.
   * No reference to `previous` is kept. `sets`: policy sets already made (derived from `previous`'s),
   * each over the very array `policies` holds for its platform.
   */
  constructor(
    readonly version: number,
    platforms: readonly PlatformConfig[],
    private readonly policies: ReadonlyMap<string, readonly CompiledPolicy[]>,
    private readonly routes: ReadonlyMap<string, PlatformConfig>,
    previous?: CatalogSnapshot,
    sets: ReadonlyMap<string, PolicySet> = new Map(),
  ) {
    this.byName = new Map(platforms.map((p) => [p.name, p]));
    for (const [route, platform] of routes) {
      const issuer = issuerOfRoute(route);
      if (issuer === undefined) continue;
      const found = this.byIssuer.get(issuer);
      if (found === undefined) this.byIssuer.set(issuer, [platform]);
      else if (!found.includes(platform)) found.push(platform);
    }
    for (const found of this.byIssuer.values()) found.sort(byName);
    for (const [platformId, set] of previous?.policySets ?? []) {
      if (previous?.policies.get(platformId) === policies.get(platformId))
        this.policySets.set(platformId, set);
    }
    for (const [platformId, set] of sets) {
      if (set.ranked === policies.get(platformId)) this.policySets.set(platformId, set);
    }
  }

  static empty(): CatalogSnapshot {
    return new CatalogSnapshot(-1, [], new Map(), new Map());
  }

  /** The platform that answers to the first of `routeKeys` any platform answers to. */
  platformByRoute(routeKeys: readonly string[]): PlatformConfig | undefined {
    for (const key of routeKeys) {
      const platform = this.routes.get(key);
      if (platform !== undefined) return platform;
    }
    return undefined;
  }

  /**
   * The platforms found by the issuer one of `routeKeys` names (by it alone or with a key id), by
   * name: for a credential no route found, whether its issuer is registered after all.
   */
  platformsOfIssuer(routeKeys: readonly string[]): readonly PlatformConfig[] {
    // Asked on /token for every adapter a credential is not for: one issuer is answered from the lists
    // sorted once per snapshot.
    const issuers: string[] = [];
    for (const key of routeKeys) {
      const issuer = issuerOfRoute(key);
      if (issuer !== undefined && !issuers.includes(issuer)) issuers.push(issuer);
    }
    const [first] = issuers;
    if (first === undefined) return [];
    if (issuers.length === 1) return this.byIssuer.get(first) ?? [];
    return issuers.flatMap((issuer) => this.byIssuer.get(issuer) ?? []).sort(byName);
  }

  platformByName(name: string): PlatformConfig | undefined {
    return this.byName.get(name);
  }

  platforms(): PlatformConfig[] {
    return [...this.byName.values()];
  }

  /** How many compiled policies the snapshot holds, over every platform. */
  policyCount(): number {
    let count = 0;
    for (const list of this.policies.values()) count += list.length;
    return count;
  }

  policiesFor(platformId: string): readonly CompiledPolicy[] {
    return this.policies.get(platformId) ?? [];
  }

  /** The policy set of that platform if it has been built (it is in use), else undefined. */
  builtPolicySet(platformId: string): PolicySet | undefined {
    return this.policySets.get(platformId);
  }

  /**
   * Builds the policy set of a platform ahead of use, pausing with `pause` while it builds: a reload
   * does so before it publishes the snapshot, so that no request builds it on its path.
   */
  async buildPolicySet(platformId: string, pause: () => Promise<void>): Promise<void> {
    if (this.policySets.has(platformId)) return;
    const set = await PolicySet.build(this.policiesFor(platformId), pause);
    this.policySets.set(platformId, set);
  }

  /** The policies of a platform ranked and indexed for `/token`, built once per snapshot and platform. */
  policySetFor(platformId: string): PolicySet {
    let set = this.policySets.get(platformId);
    if (set === undefined) {
      set = PolicySet.of(this.policiesFor(platformId));
      this.policySets.set(platformId, set);
    }
    return set;
  }
}

function byName(a: PlatformConfig, b: PlatformConfig): number {
  return a.name.localeCompare(b.name);
}
