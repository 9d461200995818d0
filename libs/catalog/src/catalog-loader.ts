import { In, type DataSource, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { PlatformEntity, PolicyEntity } from '@fedbroker/persistence';
import type { AdapterRegistry, PlatformConfig, PlatformKind } from '@fedbroker/platforms';
import { byRank, compilePolicy, type CompiledPolicy, type PolicySchema } from '@fedbroker/policy';
import { toPlatformRecord, toPolicyRecord } from './catalog-records';
import { CatalogSnapshot } from './catalog-snapshot';
import { policySchemaFor } from './policy-schema-for';
import { TimeSlicer } from './time-slicer';

/** A compiled policy as of one stored version, on a platform of one kind. */
export interface CompiledVersion {
  id: string;
  version: number;
  kind: PlatformKind | undefined;
  policy: CompiledPolicy;
}

/** Where the loader reports what it skips; pino's logger fits. */
export interface LoaderLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * `full`: every row read again (at start, after a lost LISTEN session); `incremental`: only the rows
 * whose version changed.
 */
export type LoadKind = 'full' | 'incremental';

/** What one load read and changed. */
export interface LoadReport {
  kind: LoadKind;
  version: number;
  platforms: number;
  /** Platforms created, changed or deleted since the previous load. */
  platformsChanged: number;
  /** Platforms whose policy list was rebuilt: their row or one of their policies changed. */
  platformsRebuilt: number;
  policies: number;
  /** Policies created, changed or deleted since the previous load. */
  policiesChanged: number;
  /** Policies compiled by this load (not handed over by a write, nor kept from a previous load). */
  policiesCompiled: number;
}

/** One stored platform as the last load left it. */
interface PlatformEntry {
  version: number;
  /** Undefined when the platform is not served (a kind not served, settings no longer valid). */
  config: PlatformConfig | undefined;
  /** The ids and versions of its stored policies, compiled or not. */
  members: ReadonlyMap<string, number>;
  /** Its compiled policies, ranked: the very same array until the platform or one of them changes. */
  policies: readonly CompiledPolicy[];
}

interface Listed {
  id: string;
  version: number;
}

interface ListedPolicy extends Listed {
  platformId: string;
}

/** Policies a loop goes through between two chances to pause. */
const PAUSE_EVERY = 1000;

/** Rows one query reads by id, so that no single step parses an unbounded result. */
const ROWS_PER_READ = 1000;

/**
 * Builds catalog snapshots from the database, reading and compiling only what changed since the
 * previous load: it lists every row's id and version, reads the rows whose version it has not seen,
 * and keeps the policy array of every platform whose row and policies are unchanged, so that the
 * snapshot keeps that platform's policy set. Compilation runs in slices that yield to the event loop.
 */
export class CatalogLoader {
  private platforms = new Map<string, PlatformEntry>();
  private compiled = new Map<string, CompiledVersion>();
  /** Stored policies that no longer compile: not compiled, nor warned about, again at that version. */
  private uncompilable = new Map<string, Omit<CompiledVersion, 'policy'>>();
  /** Policies writes compiled, kept until a load has read their version (or a later one). */
  private readonly adopted = new Map<string, CompiledVersion>();
  private routes = new Map<string, PlatformConfig>();
  private readonly schemas = new Map<PlatformKind, PolicySchema>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly adapters: AdapterRegistry,
    private readonly logger: LoaderLogger | undefined,
  ) {}

  adopt(entries: Iterable<CompiledVersion>): void {
    for (const entry of entries) this.adopted.set(entry.id, entry);
  }

  async load(
    kind: LoadKind,
    previous: CatalogSnapshot,
  ): Promise<{ snapshot: CatalogSnapshot; report: LoadReport }> {
    const slicer = new TimeSlicer();
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const [state] = await manager.query<{ version: string }[]>(
        `SELECT version FROM catalog_state WHERE id = 1`,
      );
      const platformList = await manager.query<Listed[]>(`SELECT id, version FROM platforms`);
      const policyList = await manager.query<ListedPolicy[]>(
        // in rank order (see byRank), so that each platform's list is ranked as it is gathered
        `SELECT id, platform_id AS "platformId", version FROM policies ORDER BY priority DESC, name COLLATE "C"`,
      );
      await slicer.pause();
      const kept = kind === 'full' ? new Map<string, PlatformEntry>() : this.platforms;
      const reread = await readById(
        manager,
        PlatformEntity,
        platformList.filter((p) => kept.get(p.id)?.version !== p.version).map((p) => p.id),
        slicer,
      );
      const membersOf = groupByPlatform(policyList);
      await slicer.pause();
      const next = new Map<string, PlatformEntry>();
      const changed: PlatformEntry[] = [];
      const changedIds: string[] = [];
      for (const listed of platformList) {
        const members = membersOf.get(listed.id) ?? new Map<string, number>();
        const entry = kept.get(listed.id);
        const row = reread.get(listed.id);
        if (row === undefined && entry !== undefined && sameMembers(entry.members, members)) {
          next.set(listed.id, entry);
          continue;
        }
        const config = row === undefined ? entry?.config : this.servable(toPlatformRecord(row));
        const rebuilt = { version: listed.version, config, members, policies: [] };
        next.set(listed.id, rebuilt);
        changed.push(rebuilt);
        changedIds.push(listed.id);
      }
      const compiledCount = await this.compileChanged(manager, changed, slicer);
      const removed = [...this.platforms.keys()].filter((id) => !next.has(id)).length;
      const report: LoadReport = {
        kind,
        version: Number(state?.version ?? 0),
        platforms: next.size,
        platformsChanged:
          platformList.filter((p) => this.platforms.get(p.id)?.version !== p.version).length + removed,
        platformsRebuilt: changed.length,
        policies: policyList.length,
        policiesChanged: this.countChanged(policyList),
        policiesCompiled: compiledCount,
      };
      await slicer.pause();
      this.forgetOutside(next, policyList);
      await slicer.pause();
      if (changed.length > 0 || removed > 0) this.routes = this.routesOf(next);
      this.platforms = next;
      const snapshot = this.snapshotOf(report.version, previous);
      await this.warm(snapshot, previous, changedIds, slicer);
      return { snapshot, report };
    });
  }

  /**
   * Rebuilds the policy arrays of `changed` platforms: policies compiled before (or by a write) at
   * the same version and kind are reused, the others read and compiled.
   */
  private async compileChanged(
    manager: EntityManager,
    changed: readonly PlatformEntry[],
    slicer: TimeSlicer,
  ): Promise<number> {
    const missing: string[] = [];
    for (const entry of changed) {
      if (entry.config === undefined) continue;
      for (const [id, version] of entry.members) {
        const failed = this.uncompilable.get(id);
        const known = failed?.version === version && failed.kind === entry.config.kind;
        if (!known && this.known(id, version, entry.config.kind) === undefined) missing.push(id);
      }
    }
    const rows = await readById(manager, PolicyEntity, missing, slicer);
    const platformById = new Map<string, PlatformConfig>();
    for (const entry of changed) if (entry.config) platformById.set(entry.config.id, entry.config);
    for (const row of rows.values()) {
      const platform = platformById.get(row.platformId);
      if (platform === undefined) continue;
      const policy = this.compileStored(row, platform);
      const stored = { id: row.id, version: row.version, kind: platform.kind };
      if (policy === undefined) this.uncompilable.set(row.id, stored);
      else this.compiled.set(row.id, { ...stored, policy });
      await slicer.pause();
    }
    for (const entry of changed) {
      if (entry.config === undefined) continue;
      const list: CompiledPolicy[] = [];
      let visited = 0;
      for (const [id, version] of entry.members) {
        if (++visited % PAUSE_EVERY === 0) await slicer.pause();
        const known = this.known(id, version, entry.config.kind);
        if (known !== undefined) {
          this.compiled.set(id, known);
          list.push(known.policy);
        }
      }
      // listed in rank order: the sort only confirms it (and orders names the database sorts apart)
      entry.policies = list.sort(byRank);
      await slicer.pause();
    }
    return rows.size;
  }

  /** The compiled policy of that version and kind, from a write or an earlier load. */
  private known(id: string, version: number, kind: PlatformKind): CompiledVersion | undefined {
    const adopted = this.adopted.get(id);
    if (adopted !== undefined && adopted.version === version && adopted.kind === kind) return adopted;
    const compiled = this.compiled.get(id);
    if (compiled !== undefined && compiled.version === version && compiled.kind === kind) return compiled;
    return undefined;
  }

  /** How many policies were created, changed or deleted since the previous load. */
  private countChanged(policyList: readonly ListedPolicy[]): number {
    const before = new Map<string, number>();
    for (const entry of this.platforms.values()) for (const [id, v] of entry.members) before.set(id, v);
    let present = 0;
    let same = 0;
    for (const { id, version } of policyList) {
      const was = before.get(id);
      if (was === undefined) continue;
      present++;
      if (was === version) same++;
    }
    return policyList.length - present + (present - same) + (before.size - present);
  }

  /** Drops what no stored row needs any longer: deleted policies, adopted versions already read. */
  private forgetOutside(next: ReadonlyMap<string, PlatformEntry>, policyList: readonly ListedPolicy[]): void {
    const served = new Map<string, number>();
    for (const entry of next.values()) {
      if (entry.config !== undefined) for (const [id, v] of entry.members) served.set(id, v);
    }
    for (const id of this.compiled.keys()) if (!served.has(id)) this.compiled.delete(id);
    for (const [id, failed] of this.uncompilable) {
      if (served.get(id) !== failed.version) this.uncompilable.delete(id);
    }
    const seen = new Map(policyList.map((row) => [row.id, row.version]));
    for (const [id, entry] of this.adopted) {
      if ((seen.get(id) ?? -1) >= entry.version) this.adopted.delete(id);
    }
  }

  private snapshotOf(version: number, previous: CatalogSnapshot): CatalogSnapshot {
    const platforms: PlatformConfig[] = [];
    const policies = new Map<string, readonly CompiledPolicy[]>();
    for (const [id, entry] of this.platforms) {
      if (entry.config === undefined) continue;
      platforms.push(entry.config);
      policies.set(id, entry.policies);
    }
    return new CatalogSnapshot(version, platforms, policies, this.routes, previous);
  }

  /**
   * Builds, a slice at a time, the policy sets `previous` had built for platforms that changed, so
   * that neither `/token` nor a write's checks build them on their path after the load.
   */
  private async warm(
    snapshot: CatalogSnapshot,
    previous: CatalogSnapshot,
    changedIds: readonly string[],
    slicer: TimeSlicer,
  ): Promise<void> {
    for (const id of changedIds) {
      if (previous.hasPolicySet(id)) await snapshot.buildPolicySet(id, () => slicer.pause());
    }
  }

  /** A stored platform's settings as served, or undefined (and a warning) when it cannot be served. */
  private servable(platform: PlatformConfig): PlatformConfig | undefined {
    if (!this.adapters.has(platform.kind)) {
      this.logger?.warn(
        { platform: platform.name, kind: platform.kind },
        'platform of a kind not served; ignored',
      );
      return undefined;
    }
    try {
      this.adapters.get(platform.kind).settings(platform);
      return platform;
    } catch (error) {
      this.logger?.warn(
        { platform: platform.name, error: String(error) },
        'platform settings no longer valid; ignored',
      );
      return undefined;
    }
  }

  /** Route keys are unique by construction (refused at write); a racing duplicate keeps the first by name. */
  private routesOf(entries: ReadonlyMap<string, PlatformEntry>): Map<string, PlatformConfig> {
    const platforms = [...entries.values()].flatMap((entry) => (entry.config ? [entry.config] : []));
    const routes = new Map<string, PlatformConfig>();
    for (const platform of platforms.sort((a, b) => a.name.localeCompare(b.name))) {
      for (const key of this.adapters.get(platform.kind).routeKeys(platform)) {
        const holder = routes.get(key);
        if (holder === undefined) routes.set(key, platform);
        else
          this.logger?.warn(
            { platforms: [holder.name, platform.name] },
            'platforms cannot be told apart; the first by name serves',
          );
      }
    }
    return routes;
  }

  private compileStored(row: PolicyEntity, platform: PlatformConfig): CompiledPolicy | undefined {
    try {
      return compilePolicy(toPolicyRecord(row, platform.name), this.schemaFor(platform.kind));
    } catch (error) {
      this.logger?.warn({ policy: row.name, error: String(error) }, 'policy no longer compiles; ignored');
      return undefined;
    }
  }

  private schemaFor(kind: PlatformKind): PolicySchema {
    let schema = this.schemas.get(kind);
    if (schema === undefined) {
      schema = policySchemaFor(this.adapters, kind);
      this.schemas.set(kind, schema);
    }
    return schema;
  }
}

function groupByPlatform(policyList: readonly ListedPolicy[]): Map<string, Map<string, number>> {
  const byPlatform = new Map<string, Map<string, number>>();
  for (const { id, platformId, version } of policyList) {
    let members = byPlatform.get(platformId);
    if (members === undefined) {
      members = new Map();
      byPlatform.set(platformId, members);
    }
    members.set(id, version);
  }
  return byPlatform;
}

function sameMembers(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, version] of a) if (b.get(id) !== version) return false;
  return true;
}

/** The rows of those ids, read {@link ROWS_PER_READ} at a time with a pause between reads. */
async function readById<Row extends ObjectLiteral & { id: string }>(
  manager: EntityManager,
  entity: EntityTarget<Row>,
  ids: readonly string[],
  slicer: TimeSlicer,
): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  for (let start = 0; start < ids.length; start += ROWS_PER_READ) {
    const chunk = ids.slice(start, start + ROWS_PER_READ);
    for (const row of await manager.getRepository(entity).findBy({ id: In(chunk) } as never))
      rows.set(row.id, row);
    await slicer.pause();
  }
  return rows;
}
