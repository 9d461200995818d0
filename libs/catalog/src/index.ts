export { adminText } from './admin-text';
export { Catalog, type CatalogOptions } from './catalog';
export { CatalogError, type CatalogErrorCode, type FieldProblem } from './catalog.error';
export type { PlatformRecord, PolicyRecord } from './catalog-records';
export { CatalogSnapshot } from './catalog-snapshot';
export { PlatformAdmin, type KeyStatus, type PlatformAdminOptions } from './platform-admin';
export { PolicyAdmin } from './policy-admin';
