import { DataSource } from 'typeorm';
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
import { PolicyRollout1764600000000 } from './migrations/1764600000000-policy-rollout';

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
  PolicyRollout1764600000000,
];

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
}

/** A TypeORM data source on PostgreSQL; the schema only ever changes through {@link MIGRATIONS}. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'all',
    extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000, query_timeout: 15_000 },
  });
}

/** Connects and applies every pending migration. */
export async function openDatabase(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'all' });
  return dataSource;
}
