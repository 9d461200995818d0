import type { DataSource } from 'typeorm';
import { createDataSource, MIGRATIONS } from '@fedbroker/persistence';

/**
 * A data source on `url`, one connection, whose migrations stop before the one named `name`: run
 * them for a database as it was before that migration, to test it on.
 */
export function dataSourceBefore(url: string, name: string): DataSource {
  const at = MIGRATIONS.findIndex((migration) => migration.name === name);
  if (at === -1) throw new Error(`there is no migration ${name}`);
  const dataSource = createDataSource({ url, poolSize: 1 });
  dataSource.setOptions({ migrations: MIGRATIONS.slice(0, at) });
  return dataSource;
}
