import { Client } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { PlatformEntity, PolicyEntity } from '@fedbroker/persistence';
import { compilePolicy, type CompiledPolicy } from '@fedbroker/policy';
import { toPlatformRecord, toPolicyRecord } from './catalog-records';
import { CatalogSnapshot } from './catalog-snapshot';

const CHANNEL = 'fedbroker_catalog';

export interface CatalogOptions {
  /** Seconds between fallback checks of the stored version (when a NOTIFY was missed). */
  pollSeconds?: number;
  logger?: { warn(message: string): void };
  /** Runs after every reload another replica's change caused, e.g. to reload signing keys. */
  onRemoteChange?: () => Promise<void>;
}

/**
 * Platforms and compiled policies held in memory. Writes bump `catalog_state.version` and NOTIFY in
 * their transaction; every replica LISTENs and reloads, with a periodic version check as a fallback.
 */
export class Catalog {
  private current = CatalogSnapshot.empty();
  private loading: Promise<void> | undefined;
  private reloadAgain = false;
  private listener: Client | undefined;
  private poller: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: CatalogOptions = {},
  ) {}

  snapshot(): CatalogSnapshot {
    return this.current;
  }

  /** Reloads from the database; concurrent calls coalesce into at most one more load. */
  reload(): Promise<void> {
    if (this.loading) {
      this.reloadAgain = true;
      return this.loading;
    }
    this.loading = this.loadOnce().finally(() => {
      this.loading = undefined;
      if (this.reloadAgain) {
        this.reloadAgain = false;
        void this.reload();
      }
    });
    return this.loading;
  }

  /** Follows other replicas' writes: LISTEN on `connectionUrl` (when given) plus the periodic check. */
  async watch(connectionUrl: string | undefined): Promise<void> {
    if (connectionUrl) {
      const client = new Client({ connectionString: connectionUrl });
      client.on('notification', () => void this.followRemoteChange());
      client.on('error', (error) => this.options.logger?.warn(`catalog listener: ${error.message}`));
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listener = client;
    }
    this.poller = setInterval(() => void this.checkVersion(), (this.options.pollSeconds ?? 30) * 1000);
    this.poller.unref();
  }

  async close(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    await this.listener?.end();
    this.listener = undefined;
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

  private async loadOnce(): Promise<void> {
    const [[state], platformRows, policyRows] = await Promise.all([
      this.dataSource.query<{ version: string }[]>(`SELECT version FROM catalog_state WHERE id = 1`),
      this.dataSource.getRepository(PlatformEntity).find(),
      this.dataSource.getRepository(PolicyEntity).find(),
    ]);
    const platforms = platformRows.map(toPlatformRecord);
    const nameById = new Map(platforms.map((p) => [p.id, p.name]));
    const policies = new Map<string, CompiledPolicy[]>();
    for (const row of policyRows) {
      const compiled = this.compileStored(toPolicyRecord(row, nameById.get(row.platformId) ?? ''));
      if (!compiled) continue;
      const list = policies.get(row.platformId) ?? [];
      list.push(compiled);
      policies.set(row.platformId, list);
    }
    this.current = new CatalogSnapshot(Number(state?.version ?? 0), platforms, policies);
  }

  private compileStored(policy: ReturnType<typeof toPolicyRecord>): CompiledPolicy | undefined {
    try {
      return compilePolicy(policy);
    } catch (error) {
      this.options.logger?.warn(`policy ${policy.name} no longer compiles and is ignored: ${String(error)}`);
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
      this.options.logger?.warn(`catalog version check failed: ${(error as Error).message}`);
    }
  }

  private async followRemoteChange(): Promise<void> {
    try {
      await this.reload();
      await this.options.onRemoteChange?.();
    } catch (error) {
      this.options.logger?.warn(`catalog reload failed: ${(error as Error).message}`);
    }
  }
}
