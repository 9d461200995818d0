export {
  createDataSource,
  openDatabase,
  ENTITIES,
  MIGRATIONS,
  type DataSourceOptions,
} from './create-data-source';
export { pgPoolOf } from './pg-pool';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded/start-embedded-postgres';
export * from './entities';
