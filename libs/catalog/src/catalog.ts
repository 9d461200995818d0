import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import type { AdapterRegistry } from '@fedbroker/platforms';
import { CatalogLoader, type CompiledVersion, type LoadKind, type LoadReport } from './catalog-loader';
import { CatalogSnapshot } from './catalog-snapshot';

export type { CompiledVersion, LoadKind, LoadReport } from './catalog-loader';

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

/** One reload from the database: whether it succeeded, what kind it was, and how long it took. */
export interface CatalogReload {
  ok: boolean;
  kind: LoadKind;
  seconds: number;
}

/** What a catalog change's NOTIFY carries: who wrote it, and the catalog version it made. */
interface ChangeNotice {
  origin: string;
  version: number;
}

/**
 * Platforms and compiled policies held in memory. Writes bump `catalog_state.version` and NOTIFY in
 * their transaction; every other replica LISTENs and reloads what changed, with a periodic version
 * check as a fallback. The writer reloads after its commit and ignores its own NOTIFY.
 */
export class Catalog {
  /** This catalog's name in the NOTIFY of its writes, so that it does not reload twice for them. */
  readonly origin = randomUUID();
  private current = CatalogSnapshot.empty();
  private readonly loader: CatalogLoader;
  /** Whether the next load reads every row again, not only what changed. */
  private fullNext = true;
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
  ) {
    this.loader = new CatalogLoader(dataSource, options.adapters, options.logger);
  }

  snapshot(): CatalogSnapshot {
    return this.current;
  }

  /**
   * Reloads from the database: what changed since the last load, or every row when `kind` is
   * `full` (the first load, and the first after a failed one, are full). A call made while a load
   * runs gets the next load, which starts once the running one ends (that one may have read rows
   * older than the caller's write); any number of such calls share that one next load.
   */
  reload(kind: LoadKind = 'incremental'): Promise<void> {
    if (kind === 'full') this.fullNext = true;
    if (!this.loading) {
      const next: LoadKind = this.fullNext ? 'full' : 'incremental';
      this.fullNext = false;
      this.loading = this.timedLoad(next).finally(() => {
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
    client.on('notification', (message) => {
      if (!this.isOwn(message.payload)) void this.followRemoteChange();
    });
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
        .then(() => this.followRemoteChange('full'))
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
    this.loader.adopt(entries);
  }

  /** Tells every replica that broker state outside the catalog (signing keys) changed. */
  async announce(): Promise<void> {
    await this.dataSource.transaction((manager) => Catalog.bumpVersion(manager, this.origin));
    await this.reload();
    await this.runOnRemoteChange();
  }

  /**
   * Call inside a write transaction: the change becomes visible to every replica on commit. A writer
   * that reloads itself after the commit passes its {@link origin}, and is not told of its own change.
   */
  static async bumpVersion(manager: EntityManager, origin = ''): Promise<void> {
    // One statement, one round trip: the notice carries the version the UPDATE made.
    await manager.query(
      `WITH bumped AS (UPDATE catalog_state SET version = version + 1 WHERE id = 1 RETURNING version)
       SELECT pg_notify($1, json_build_object('origin', $2::text, 'version', version)::text) FROM bumped`,
      [CHANNEL, origin],
    );
  }

  /** Whether a NOTIFY tells of a change this catalog wrote (and reloads for after its commit). */
  private isOwn(payload: string | undefined): boolean {
    try {
      const notice = JSON.parse(payload ?? '') as Partial<ChangeNotice>;
      return notice.origin === this.origin;
    } catch {
      return false;
    }
  }

  private async timedLoad(kind: LoadKind): Promise<void> {
    const startedAt = performance.now();
    const seconds = () => (performance.now() - startedAt) / 1000;
    let report: LoadReport;
    try {
      const loaded = await this.loader.load(kind, this.current);
      this.current = loaded.snapshot;
      report = loaded.report;
    } catch (error) {
      this.fullNext = true;
      this.options.onReload?.({ ok: false, kind, seconds: seconds() });
      throw error;
    }
    this.options.onReload?.({ ok: true, kind, seconds: seconds() });
    this.options.logger?.info({ ...report, durationMs: Math.round(seconds() * 1000) }, 'catalog reloaded');
  }

  private async checkVersion(): Promise<void> {
    // a load under way reads the version itself; following it would reload a second time
    if (this.loading !== undefined) return;
    try {
      const [state] = await this.dataSource.query<{ version: string }[]>(
        `SELECT version FROM catalog_state WHERE id = 1`,
      );
      const behind = state !== undefined && Number(state.version) !== this.current.version;
      if (behind && this.loading === undefined) await this.followRemoteChange();
    } catch (error) {
      this.options.logger?.warn({ error: (error as Error).message }, 'catalog version check failed');
    }
  }

  private async followRemoteChange(kind: LoadKind = 'incremental'): Promise<void> {
    try {
      await this.reload(kind);
    } catch (error) {
      this.options.logger?.warn({ error: (error as Error).message }, 'catalog reload failed');
      return;
    }
    await this.runOnRemoteChange();
  }

  private async runOnRemoteChange(): Promise<void> {
    try {
      await this.options.onRemoteChange?.();
    } catch (error) {
      this.options.logger?.warn({ error: (error as Error).message }, 'reload after a catalog change failed');
    }
  }
}
