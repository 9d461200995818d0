import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, MigrationExecutor, type QueryRunner } from 'typeorm';
import {
  AdminChangeEntity,
  AdminCredentialEntity,
  AuditEventEntity,
  PlatformEntity,
  PolicyEntity,
  ReplayGuardEntity,
  SigningKeyEntity,
} from './entities';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema';
import { PolicyActorCondition1764100000000 } from './migrations/1764100000000-policy-actor-condition';
import { PlatformRoutes1764200000000 } from './migrations/1764200000000-platform-routes';
import { AuditChain1764300000000 } from './migrations/1764300000000-audit-chain';
import { AdminChanges1764400000000 } from './migrations/1764400000000-admin-changes';
import { AuditCauses1764500000000 } from './migrations/1764500000000-audit-causes';
import { PolicyRollout1764600000000 } from './migrations/1764600000000-policy-rollout';
import { ReplayGuard1764800000000 } from './migrations/1764800000000-replay-guard';
import { AuditPartitions1764910000000 } from './migrations/1764910000000-audit-partitions';
import { CatalogChangeFeed1764950000000 } from './migrations/1764950000000-catalog-change-feed';
import { AuditStringsLookupFirst1765000000000 } from './migrations/1765000000000-audit-strings-lookup-first';
import { AuditStringsRetention1765100000000 } from './migrations/1765100000000-audit-strings-retention';
import { AuditPruneStringsInChunks1765200000000 } from './migrations/1765200000000-audit-prune-strings-in-chunks';
import { AuditSecondInlined1765300000000 } from './migrations/1765300000000-audit-second-inlined';
import { PoolConnection } from './pool-connection';

export const ENTITIES = [
  PlatformEntity,
  PolicyEntity,
  SigningKeyEntity,
  AuditEventEntity,
  ReplayGuardEntity,
  AdminCredentialEntity,
  AdminChangeEntity,
];
export const MIGRATIONS = [
  InitialSchema1764000000000,
  PolicyActorCondition1764100000000,
  PlatformRoutes1764200000000,
  AuditChain1764300000000,
  AdminChanges1764400000000,
  AuditCauses1764500000000,
  PolicyRollout1764600000000,
  ReplayGuard1764800000000,
  AuditPartitions1764910000000,
  CatalogChangeFeed1764950000000,
  AuditStringsLookupFirst1765000000000,
  AuditStringsRetention1765100000000,
  AuditPruneStringsInChunks1765200000000,
  AuditSecondInlined1765300000000,
];

/** How many of the pool's connections stay open while idle. */
const IDLE_CONNECTIONS_KEPT = 2;

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
}

/** A TypeORM data source on PostgreSQL; the schema only ever changes through {@link MIGRATIONS}. */
export function createDataSource(options: DataSourceOptions): DataSource {
  const max = options.poolSize ?? 10;
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'all',
    extra: {
      max,
      // Connections opened are kept, up to this many, however long they idle: under `/token` load
      // (which commits on the audit writer's own connections) the pool otherwise emptied after 10 s,
      // and the next admin write and every replica's reload paid for new connections.
      min: Math.min(IDLE_CONNECTIONS_KEPT, max),
      connectionTimeoutMillis: 5_000,
      query_timeout: 15_000,
      Client: PoolConnection,
    },
  });
}

/** The PostgreSQL advisory lock every process takes to migrate ("fbmigr" in ASCII). */
const MIGRATION_LOCK = 0x66626d696772;
const MIGRATION_LOCK_POLL_MS = 100;

/**
 * Connects and applies every pending migration, one process at a time: replicas starting together
 * on an empty database would otherwise create the same tables concurrently.
 */
export async function openDatabase(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  try {
    await migrateExclusively(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/**
 * Runs the migrations on one session holding the migration lock. The lock is polled rather than
 * waited for, so no statement outlives the driver's query timeout while another process migrates.
 */
async function migrateExclusively(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    while (!(await tryMigrationLock(runner))) await sleep(MIGRATION_LOCK_POLL_MS);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'all';
      await executor.executePendingMigrations();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
  }
}

async function tryMigrationLock(runner: QueryRunner): Promise<boolean> {
  const rows = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK])) as {
    locked: boolean;
  }[];
  return rows[0]?.locked === true;
}
