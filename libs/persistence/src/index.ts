export {
  createDataSource,
  openDatabase,
  ENTITIES,
  MIGRATIONS,
  type DataSourceOptions,
} from './create-data-source';
export { DatabaseProbe } from './database-probe';
export {
  CURSOR_TIME_COLUMN,
  decodeKeysetCursor,
  encodeKeysetCursor,
  type KeysetCursor,
} from './keyset-cursor';
export { leaseClient, pgPoolOf, pipelinedPoolBeside, type LeasedClient } from './pg-pool';
export { timeLimit, TimeLimitError } from './time-limit';
export { inRepeatableRead } from './repeatable-read';
export { entityColumns } from './entity-columns';
export { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded/start-embedded-postgres';
export * from './entities';
