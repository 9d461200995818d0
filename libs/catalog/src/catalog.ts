import { Client } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { PlatformEntity, PolicyEntity } from '@fedbroker/persistence';
import type { AdapterRegistry, PlatformConfig, PlatformKind } from '@fedbroker/platforms';
import { byRank, compilePolicy, type CompiledPolicy } from '@fedbroker/policy';
import { toPlatformRecord, toPolicyRecord } from './catalog-records';
import { CatalogSnapshot } from './catalog-snapshot';
import { policySchemaFor } from './policy-schema-for';

const CHANNEL = 'fedbroker_catalog';
/** A reconnection to a database that accepts but never answers is retried instead of waiting forever. */
const LISTEN_CONNECT_TIMEOUT_MS = 5_000;

export interface CatalogOptions {
  /** The platform kinds served: how each platform's settings and route keys are read. */
  adapters: AdapterRegistry;
  /** Seconds between fallback checks of the stored version (when a NOTIFY was missed). */
  pollSeconds?: number;
  logger?: CatalogLogger;
  /** Runs after every reload another replica's change caused, e.g. to reload signing keys. */
  onRemoteChange?: () => Promise<void>;
  /** Told of every reload, for metrics. */
  onReload?: (reload: CatalogReload) => void;
}

/** Where the catalog reports reloads and what it skips; pino's logger fits. */
export interface CatalogLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** One reload from the database: whether it succeeded, and how long it took. */
export interface CatalogReload {
  ok: boolean;
  seconds: number;
}

/**
 * Platforms and compiled policies held in memory. Writes bump `catalog_state.version` and NOTIFY in
 * their transaction; every replica LISTENs and reloads, with a periodic version check as a fallback.
 */
/** A compiled policy as of one stored version, on a platform of one kind. */
export interface CompiledVersion {
  id: string;
  version: number;
  kind: PlatformKind | undefined;
  policy: CompiledPolicy;
}

export class Catalog {
  private current = CatalogSnapshot.empty();
  /** Compiled policies by id, reused by the next load while their version and kind are unchanged. */
  private compiled = new Map<string, CompiledVersion>();
  /** Policies writes compiled, kept until a load has read their version (or a later one). */
  private readonly adopted = new Map<string, CompiledVersion>();
  private loading: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private listener: Client | undefined;
  private listenUrl: string | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: CatalogOptions,
  ) {}

  snapshot(): CatalogSnapshot {
    return this.current;
  }

  /**
   * Reloads from the database. A call made while a load runs gets the next load, which starts once
   * the running one ends (that one may have read rows older than the caller's write); any number of
   * such calls share that one next load.
   */
  reload(): Promise<void> {
    if (!this.loading) {
      this.loading = this.timedLoad().finally(() => {
        this.loading = undefined;
      });
      return this.loading;
    }
    this.queued ??= this.loading
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.reload();
      });
    return this.queued;
  }

  /** Follows other replicas' writes: LISTEN on `connectionUrl` (when given) plus the periodic check. */
  async watch(connectionUrl: string | undefined): Promise<void> {
    this.listenUrl = connectionUrl;
    if (connectionUrl) await this.listen(connectionUrl);
    this.poller = setInterval(() => void this.checkVersion(), (this.options.pollSeconds ?? 30) * 1000);
    this.poller.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    if (this.reconnect) clearTimeout(this.reconnect);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end();
  }

  private async listen(url: string): Promise<void> {
    const client = new Client({
      connectionString: url,
      connectionTimeoutMillis: LISTEN_CONNECT_TIMEOUT_MS,
      keepAlive: true,
    });
    client.on('notification', () => void this.followRemoteChange());
    client.on('error', (error) => {
      this.options.logger?.warn({ error: error.message }, 'catalog listener lost');
      this.relisten(client);
    });
    client.on('end', () => this.relisten(client));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  /** A lost LISTEN connection is replaced; the reload after it catches up on what it missed. */
  private relisten(lost: Client): void {
    if (this.closed || this.listener !== lost) return;
    this.listener = undefined;
    void lost.end().catch(() => undefined);
    this.scheduleListen();
  }

  private scheduleListen(): void {
    const url = this.listenUrl;
    if (this.closed || !url) return;
    this.reconnect = setTimeout(() => {
      this.listen(url)
        .then(() => this.followRemoteChange())
        .catch((error: unknown) => {
          this.options.logger?.warn({ error: (error as Error).message }, 'catalog listener cannot reconnect');
          this.scheduleListen();
        });
    }, 1_000);
    this.reconnect.unref();
  }

  /**
   * Hands the next load policies a write has just compiled and stored (with their stored versions),
   * so that it does not compile them again.
   */
  adopt(entries: Iterable<CompiledVersion>): void {
    for (const entry of entries) this.adopted.set(entry.id, entry);
  }

  /** Tells every replica that broker state outside the catalog (signing keys) changed. */
  async announce(): Promise<void> {
    await this.dataSource.transaction((manager) => Catalog.bumpVersion(manager));
    await this.reload();
  }

  /** Call inside a write transaction: the change becomes visible to every replica on commit. */
  static async bumpVersion(manager: EntityManager): Promise<void> {
    await manager.query(`UPDATE catalog_state SET version = version + 1 WHERE id = 1`);
    await manager.query(`SELECT pg_notify($1, '')`, [CHANNEL]);
  }

  private async timedLoad(): Promise<void> {
    const startedAt = performance.now();
    const seconds = () => (performance.now() - startedAt) / 1000;
    try {
      await this.loadOnce();
    } catch (error) {
      this.options.onReload?.({ ok: false, seconds: seconds() });
      throw error;
    }
    this.options.onReload?.({ ok: true, seconds: seconds() });
    this.options.logger?.info(
      {
        version: this.current.version,
        platforms: this.current.platforms().length,
        policies: this.current.policyCount(),
        durationMs: Math.round(seconds() * 1000),
      },
      'catalog reloaded',
    );
  }

  private async loadOnce(): Promise<void> {
    const { state, platformRows, policyRows } = await this.dataSource.transaction(
      'REPEATABLE READ',
      async (manager) => ({
        state: (
          await manager.query<{ version: string }[]>(`SELECT version FROM catalog_state WHERE id = 1`)
        )[0],
        platformRows: await manager.getRepository(PlatformEntity).find(),
        policyRows: await manager.getRepository(PolicyEntity).find(),
      }),
    );
    const platforms = platformRows.map(toPlatformRecord).filter((p) => this.isServable(p));
    const byId = new Map(platforms.map((p) => [p.id, p]));
    const policies = new Map<string, CompiledPolicy[]>();
    const compiled = new Map<string, CompiledVersion>();
    for (const row of policyRows) {
      const platform = byId.get(row.platformId);
      if (platform === undefined) continue;
      const known = [this.adopted.get(row.id), this.compiled.get(row.id)].find(
        (entry) => entry !== undefined && entry.version === row.version && entry.kind === platform.kind,
      );
      const policy = known?.policy ?? this.compileStored(toPolicyRecord(row, platform.name), platform.kind);
      if (!policy) continue;
      compiled.set(row.id, { id: row.id, version: row.version, kind: platform.kind, policy });
      const list = policies.get(row.platformId) ?? [];
      list.push(policy);
      policies.set(row.platformId, list);
    }
    for (const list of policies.values()) list.sort(byRank);
    this.compiled = compiled;
    const seen = new Map(policyRows.map((row) => [row.id, row.version]));
    for (const [id, entry] of this.adopted) {
      if ((seen.get(id) ?? -1) >= entry.version) this.adopted.delete(id);
    }
    this.current = new CatalogSnapshot(
      Number(state?.version ?? 0),
      platforms,
      policies,
      this.routes(platforms),
    );
  }

  /** Whether a stored platform has an adapter and settings it still accepts; else it is skipped. */
  private isServable(platform: PlatformConfig): boolean {
    const { adapters } = this.options;
    if (!adapters.has(platform.kind)) {
      this.options.logger?.warn(
        { platform: platform.name, kind: platform.kind },
        'platform of a kind not served; ignored',
      );
      return false;
    }
    try {
      adapters.get(platform.kind).settings(platform);
      return true;
    } catch (error) {
      this.options.logger?.warn(
        { platform: platform.name, error: String(error) },
        'platform settings no longer valid; ignored',
      );
      return false;
    }
  }

  /** Route keys are unique by construction (refused at write); a racing duplicate keeps the first by name. */
  private routes(platforms: readonly PlatformConfig[]): Map<string, PlatformConfig> {
    const routes = new Map<string, PlatformConfig>();
    for (const platform of [...platforms].sort((a, b) => a.name.localeCompare(b.name))) {
      for (const key of this.options.adapters.get(platform.kind).routeKeys(platform)) {
        const holder = routes.get(key);
        if (holder === undefined) routes.set(key, platform);
        else
          this.options.logger?.warn(
            { platforms: [holder.name, platform.name] },
            'platforms cannot be told apart; the first by name serves',
          );
      }
    }
    return routes;
  }

  private compileStored(
    policy: ReturnType<typeof toPolicyRecord>,
    kind: PlatformKind | undefined,
  ): CompiledPolicy | undefined {
    try {
      return compilePolicy(
        policy,
        kind === undefined ? undefined : policySchemaFor(this.options.adapters, kind),
      );
    } catch (error) {
      this.options.logger?.warn(
        { policy: policy.name, error: String(error) },
        'policy no longer compiles; ignored',
      );
      return undefined;
    }
  }

  private async checkVersion(): Promise<void> {
    try {
      const [state] = await this.dataSource.query<{ version: string }[]>(
        `SELECT version FROM catalog_state WHERE id = 1`,
      );
      if (state && Number(state.version) !== this.current.version) await this.followRemoteChange();
    } catch (error) {
      this.options.logger?.warn({ error: (error as Error).message }, 'catalog version check failed');
    }
  }

  private async followRemoteChange(): Promise<void> {
    try {
      await this.reload();
      await this.options.onRemoteChange?.();
    } catch (error) {
      this.options.logger?.warn({ error: (error as Error).message }, 'catalog reload failed');
    }
  }
}
