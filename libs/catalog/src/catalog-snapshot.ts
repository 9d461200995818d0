import type { PlatformConfig } from '@fedbroker/platforms';
import type { CompiledPolicy } from '@fedbroker/policy';

/** An immutable view of every platform and compiled policy: what `/token` reads, never the database. */
export class CatalogSnapshot {
  private readonly byIssuer: ReadonlyMap<string, PlatformConfig>;
  private readonly byName: ReadonlyMap<string, PlatformConfig>;

  constructor(
    readonly version: number,
    platforms: readonly PlatformConfig[],
    private readonly policies: ReadonlyMap<string, readonly CompiledPolicy[]>,
  ) {
    this.byIssuer = new Map(platforms.map((p) => [p.issuer, p]));
    this.byName = new Map(platforms.map((p) => [p.name, p]));
  }

  static empty(): CatalogSnapshot {
    return new CatalogSnapshot(-1, [], new Map());
  }

  /** Exact, case-sensitive issuer match (RFC 8414 §3.3; no normalization). */
  platformByIssuer(issuer: string): PlatformConfig | undefined {
    return this.byIssuer.get(issuer);
  }

  platformByName(name: string): PlatformConfig | undefined {
    return this.byName.get(name);
  }

  platforms(): PlatformConfig[] {
    return [...this.byName.values()];
  }

  policiesFor(platformId: string): readonly CompiledPolicy[] {
    return this.policies.get(platformId) ?? [];
  }
}
