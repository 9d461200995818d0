import { In, type DataSource, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { inRepeatableRead, PlatformEntity, PolicyEntity } from '@fedbroker/persistence';
import type { AdapterRegistry, PlatformConfig } from '@fedbroker/platforms';
import { byRank, editedList, type CompiledPolicy, type PolicySet } from '@fedbroker/policy';
import { toPlatformRecord } from './catalog-records';
import { CatalogSnapshot } from './catalog-snapshot';
import {
  readChanges,
  type CatalogPosition,
  type Listed,
  type ListedPolicy,
  type WrittenRows,
} from './change-feed';
import { CompiledPolicies, type CompiledVersion, type LoaderLogger } from './compiled-policies';
import { TimeSlicer } from './time-slicer';

export type { CompiledVersion, LoaderLogger } from './compiled-policies';

/**
 * `full`: every row read again (at start, after a lost LISTEN session); `incremental`: only the rows
 * written since the previous load.
 */
export type LoadKind = 'full' | 'incremental';

/** What one load read and changed. */
export interface LoadReport {
  kind: LoadKind;
  /**
   * Whether every row's id and version was listed: at a full load, and at an incremental one when
   * rows were deleted (the change feed shows writes only).
   */
  listed: boolean;
  version: number;
  platforms: number;
  /** Platforms created, changed or deleted since the previous load. */
  platformsChanged: number;
  /** Platforms whose policy list was rebuilt or changed: their row or one of their policies changed. */
  platformsRebuilt: number;
  policies: number;
  /** Policies created, changed or deleted since the previous load. */
  policiesChanged: number;
  /** Policies compiled by this load (not handed over by a write, nor kept from a previous load). */
  policiesCompiled: number;
}

/** One stored platform as the last load left it (changed in place by the next). */
interface PlatformEntry {
  version: number;
  /** Undefined when the platform is not served (a kind not served, settings no longer valid). */
  config: PlatformConfig | undefined;
  /** The ids and versions of its stored policies, compiled or not. */
  members: Map<string, number>;
  /** Its compiled policies, ranked: the very same array until the platform or one of them changes. */
  policies: readonly CompiledPolicy[];
}

/** What the rows written since the previous load change on one platform. */
interface PlatformChange {
  /** The platform's row, when it was written. */
  row: { version: number; config: PlatformConfig | undefined } | undefined;
  /** Policies that leave it or change version: their old versions go. */
  leaving: string[];
  /** Policies that join it or change version, at their new versions. */
  arriving: Listed[];
}

/** Policies a loop goes through between two chances to pause. */
const PAUSE_EVERY = 1000;

/**
 * Policy changes on one platform up to which its index is derived from the previous one at once;
 * past them (a bulk apply) it is rebuilt in slices.
 */
const DERIVED_CHANGES_AT_MOST = 256;

/** Rows one query reads by id, so that no single step parses an unbounded result. */
const ROWS_PER_READ = 1000;

/**
 * Builds catalog snapshots from the database, reading and compiling only what changed since the
 * previous load. An incremental load reads the rows written since then (the change feed, see
 * `readChanges`) and changes only the platforms they touch: a changed platform's policy set
 * is derived from the previous one with the changed policies (`PolicySet.with`), and an untouched
 * platform keeps its policy array, so the snapshot keeps its set. A full load, or an incremental one
 * after a deletion, lists every row's id and version instead. Work runs in slices that yield to the
 * event loop.
 */
export class CatalogLoader {
  private platforms = new Map<string, PlatformEntry>();
  /** The platform of every stored policy, as the last load read it. */
  private memberOf = new Map<string, string>();
  /** The horizon of the last load's snapshot (see `CatalogPosition`); none before a first load. */
  private horizon: string | undefined;
  private readonly compiled: CompiledPolicies;
  private routes = new Map<string, PlatformConfig>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly adapters: AdapterRegistry,
    private readonly logger: LoaderLogger | undefined,
  ) {
    this.compiled = new CompiledPolicies(adapters, logger);
  }

  adopt(entries: Iterable<CompiledVersion>): void {
    this.compiled.adopt(entries);
  }

  /**
   * The catalog as stored, built from `previous` (the snapshot the last load made) and what changed
   * since. A load that fails leaves this loader fit only for a full load.
   */
  async load(
    kind: LoadKind,
    previous: CatalogSnapshot,
  ): Promise<{ snapshot: CatalogSnapshot; report: LoadReport }> {
    const slicer = new TimeSlicer();
    return inRepeatableRead(this.dataSource, async (manager) => {
      const { position, written } = await readChanges(
        manager,
        kind === 'incremental' ? this.horizon : undefined,
      );
      const loaded =
        written !== undefined && this.onlyWritten(written, position)
          ? await this.applyWritten(manager, written, position, previous, slicer)
          : await this.loadListed(manager, kind, position, previous, slicer);
      this.horizon = position.horizon;
      return loaded;
    });
  }

  /**
   * Whether `written` is every change since the last load: nothing was deleted (the counts add up)
   * and every written policy belongs to a known or written platform.
   */
  private onlyWritten(written: WrittenRows, position: CatalogPosition): boolean {
    const platformIds = new Set(written.platforms.map((p) => p.id));
    const newPlatforms = written.platforms.filter((p) => !this.platforms.has(p.id)).length;
    let newPolicies = 0;
    for (const policy of written.policies) {
      if (!this.memberOf.has(policy.id)) newPolicies += 1;
      if (!this.platforms.has(policy.platformId) && !platformIds.has(policy.platformId)) return false;
    }
    return (
      position.platforms === this.platforms.size + newPlatforms &&
      position.policies === this.memberOf.size + newPolicies
    );
  }

  /** An incremental load from the rows written since the last load, none deleted. */
  private async applyWritten(
    manager: EntityManager,
    written: WrittenRows,
    position: CatalogPosition,
    previous: CatalogSnapshot,
    slicer: TimeSlicer,
  ): Promise<{ snapshot: CatalogSnapshot; report: LoadReport }> {
    const platformRows = await readById(
      manager,
      PlatformEntity,
      written.platforms.filter((p) => this.platforms.get(p.id)?.version !== p.version).map((p) => p.id),
      slicer,
    );
    const changedPolicies = written.policies.filter(
      (p) =>
        this.memberOf.get(p.id) !== p.platformId ||
        this.platforms.get(p.platformId)?.members.get(p.id) !== p.version,
    );
    const changes = new Map<string, PlatformChange>();
    const changeOf = (id: string) => {
      let change = changes.get(id);
      if (change === undefined) changes.set(id, (change = { row: undefined, leaving: [], arriving: [] }));
      return change;
    };
    for (const [id, row] of platformRows) {
      changeOf(id).row = { version: row.version, config: this.servable(toPlatformRecord(row)) };
    }
    for (const policy of changedPolicies) {
      const from = this.memberOf.get(policy.id);
      if (from !== undefined) changeOf(from).leaving.push(policy.id);
      changeOf(policy.platformId).arriving.push(policy);
    }

    // what each changed platform serves, before any entry changes
    const removed = new Map<string, CompiledPolicy[]>();
    for (const [id, change] of changes) {
      const kind = this.platforms.get(id)?.config?.kind;
      const list: CompiledPolicy[] = [];
      for (const policyId of change.leaving) {
        const version = this.platforms.get(id)?.members.get(policyId);
        const known =
          version === undefined || kind === undefined
            ? undefined
            : this.compiled.known(policyId, version, kind);
        if (known !== undefined) list.push(known.policy);
      }
      removed.set(id, list);
    }
    const rebuilt: PlatformEntry[] = [];
    const derived: PlatformEntry[] = [];
    for (const [id, change] of changes) {
      const entry: PlatformEntry = this.platforms.get(id) ?? {
        version: 0,
        config: undefined,
        members: new Map<string, number>(),
        policies: [],
      };
      this.platforms.set(id, entry);
      const before = entry.config;
      if (change.row !== undefined) {
        entry.version = change.row.version;
        entry.config = change.row.config;
      }
      const sameKind = before !== undefined && before.kind === entry.config?.kind;
      const few = change.leaving.length + change.arriving.length <= DERIVED_CHANGES_AT_MOST;
      (sameKind && few ? derived : rebuilt).push(entry);
      for (const policyId of change.leaving) {
        entry.members.delete(policyId);
        this.memberOf.delete(policyId);
      }
    }
    for (const [id, change] of changes) {
      const entry = this.platforms.get(id) as PlatformEntry;
      for (const policy of change.arriving) {
        entry.members.set(policy.id, policy.version);
        this.memberOf.set(policy.id, id);
      }
    }
    await slicer.pause();

    const compiledCount = await this.compileMissing(manager, rebuilt, derived, changes, slicer);
    await this.rebuildLists(rebuilt, slicer);
    const sets = new Map<string, PolicySet>();
    let listsChanged = rebuilt.length;
    for (const entry of derived) {
      const config = entry.config as PlatformConfig;
      const added: CompiledPolicy[] = [];
      for (const { id, version } of changes.get(config.id)?.arriving ?? []) {
        const known = this.compiled.serve(id, version, config.kind);
        if (known !== undefined) added.push(known.policy);
      }
      const gone = removed.get(config.id) ?? [];
      if (gone.length === 0 && added.length === 0) continue;
      listsChanged += 1;
      const set = previous.builtPolicySet(config.id)?.with({ removed: gone, added });
      entry.policies = set?.ranked ?? editedList(entry.policies, gone, added);
      if (set !== undefined) sets.set(config.id, set);
      await slicer.pause();
    }
    this.compiled.forgetWritten(changedPolicies);

    if (platformRows.size > 0) this.routes = this.routesOf(this.platforms);
    const report: LoadReport = {
      kind: 'incremental',
      listed: false,
      version: position.version,
      platforms: this.platforms.size,
      platformsChanged: platformRows.size,
      platformsRebuilt: listsChanged,
      policies: this.memberOf.size,
      policiesChanged: changedPolicies.length,
      policiesCompiled: compiledCount,
    };
    const snapshot = this.snapshotOf(position.version, previous, sets);
    await this.warm(snapshot, previous, rebuilt, slicer);
    return { snapshot, report };
  }

  /** A load that lists every row's id and version, and reads those it has not seen. */
  private async loadListed(
    manager: EntityManager,
    kind: LoadKind,
    position: CatalogPosition,
    previous: CatalogSnapshot,
    slicer: TimeSlicer,
  ): Promise<{ snapshot: CatalogSnapshot; report: LoadReport }> {
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
    }
    const compiledCount = await this.compileMissing(manager, changed, [], new Map(), slicer);
    await this.rebuildLists(changed, slicer);
    const removed = [...this.platforms.keys()].filter((id) => !next.has(id)).length;
    const report: LoadReport = {
      kind,
      listed: true,
      version: position.version,
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
    this.memberOf = new Map(policyList.map((p) => [p.id, p.platformId]));
    const snapshot = this.snapshotOf(position.version, previous, new Map());
    await this.warm(snapshot, previous, changed, slicer);
    return { snapshot, report };
  }

  /**
   * Reads and compiles the policies `rebuilt` platforms serve and the policies arriving on
   * `derived` ones, except those compiled before (or by a write) at the same version and kind.
   */
  private async compileMissing(
    manager: EntityManager,
    rebuilt: readonly PlatformEntry[],
    derived: readonly PlatformEntry[],
    changes: ReadonlyMap<string, PlatformChange>,
    slicer: TimeSlicer,
  ): Promise<number> {
    const missing: string[] = [];
    const check = (config: PlatformConfig, id: string, version: number) => {
      if (this.compiled.missing(id, version, config.kind)) missing.push(id);
    };
    for (const entry of rebuilt) {
      if (entry.config === undefined) continue;
      for (const [id, version] of entry.members) check(entry.config, id, version);
    }
    for (const entry of derived) {
      const config = entry.config as PlatformConfig;
      for (const { id, version } of changes.get(config.id)?.arriving ?? []) check(config, id, version);
    }
    const rows = await readById(manager, PolicyEntity, missing, slicer);
    const platformById = new Map<string, PlatformConfig>();
    for (const entry of [...rebuilt, ...derived])
      if (entry.config) platformById.set(entry.config.id, entry.config);
    for (const row of rows.values()) {
      const platform = platformById.get(row.platformId);
      if (platform !== undefined) this.compiled.compile(row, platform);
      await slicer.pause();
    }
    return rows.size;
  }

  /** Makes the policy array of each platform in `entries` afresh from its members. */
  private async rebuildLists(entries: readonly PlatformEntry[], slicer: TimeSlicer): Promise<void> {
    for (const entry of entries) {
      if (entry.config === undefined) {
        entry.policies = [];
        continue;
      }
      const list: CompiledPolicy[] = [];
      let visited = 0;
      for (const [id, version] of entry.members) {
        if (++visited % PAUSE_EVERY === 0) await slicer.pause();
        const known = this.compiled.serve(id, version, entry.config.kind);
        if (known !== undefined) list.push(known.policy);
      }
      // a listing gathers members in rank order: the sort then only confirms it
      entry.policies = list.sort(byRank);
      await slicer.pause();
    }
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
    this.compiled.forgetOutside(served, new Map(policyList.map((row) => [row.id, row.version])));
  }

  /** `sets`: policy sets derived for changed platforms, each over the very array the entry holds. */
  private snapshotOf(
    version: number,
    previous: CatalogSnapshot,
    sets: ReadonlyMap<string, PolicySet>,
  ): CatalogSnapshot {
    const platforms: PlatformConfig[] = [];
    const policies = new Map<string, readonly CompiledPolicy[]>();
    for (const [id, entry] of this.platforms) {
      if (entry.config === undefined) continue;
      platforms.push(entry.config);
      policies.set(id, entry.policies);
    }
    return new CatalogSnapshot(version, platforms, policies, this.routes, previous, sets);
  }

  /**
   * Builds, a slice at a time, the policy sets `previous` had built for platforms that changed, so
   * that neither `/token` nor a write's checks build them on their path after the load.
   */
  private async warm(
    snapshot: CatalogSnapshot,
    previous: CatalogSnapshot,
    rebuilt: readonly PlatformEntry[],
    slicer: TimeSlicer,
  ): Promise<void> {
    for (const { config } of rebuilt) {
      if (config !== undefined && previous.builtPolicySet(config.id) !== undefined)
        await snapshot.buildPolicySet(config.id, () => slicer.pause());
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
