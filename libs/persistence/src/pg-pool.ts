import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** The `pg` pool under a TypeORM PostgreSQL data source, for the paths that skip TypeORM. */
export function pgPoolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}
