export { adminText } from './admin-text';
export { Catalog, type CatalogLogger, type CatalogOptions, type CatalogReload } from './catalog';
export {
  CatalogError,
  type CatalogErrorCode,
  type ConflictingResource,
  type FieldProblem,
} from './catalog.error';
export type { PlatformRecord, PolicyRecord } from './catalog-records';
export { platformBodySchema, policyBodySchema } from './catalog-schemas';
export { CatalogSnapshot } from './catalog-snapshot';
export { platformView, policyView } from './catalog-views';
export {
  PlatformAdmin,
  type KeyStatus,
  type PlatformAdminOptions,
  type PlatformWrite,
} from './platform-admin';
export { PolicyAdmin } from './policy-admin';
