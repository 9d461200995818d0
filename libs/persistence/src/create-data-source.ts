import { DataSource } from 'typeorm';
import {
  AdminCredentialEntity,
  AuditEventEntity,
  PlatformEntity,
  PolicyEntity,
  ReplayGuardEntity,
  SigningKeyEntity,
} from './entities';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema';
import { PolicyActorCondition1764100000000 } from './migrations/1764100000000-policy-actor-condition';
import { PoolConnection } from './pool-connection';

export const ENTITIES = [
  PlatformEntity,
  PolicyEntity,
  SigningKeyEntity,
  AuditEventEntity,
  ReplayGuardEntity,
  AdminCredentialEntity,
];
export const MIGRATIONS = [InitialSchema1764000000000, PolicyActorCondition1764100000000];

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
    extra: {
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      query_timeout: 15_000,
      Client: PoolConnection,
    },
  });
}

/** Connects and applies every pending migration. */
export async function openDatabase(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'all' });
  return dataSource;
}
