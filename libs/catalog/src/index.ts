export { adminText } from './admin-text';
export {
  Catalog,
  type CatalogLogger,
  type CatalogOptions,
  type CatalogReload,
  type CompiledVersion,
} from './catalog';
export { MAX_APPLIED_PLATFORMS, MAX_APPLIED_POLICIES } from './apply-items';
export {
  CatalogApply,
  type AppliedResource,
  type ApplyResult,
  type CatalogApplyOptions,
} from './catalog-apply';
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
export {
  PolicyAdmin,
  type PolicyAdminOptions,
  type PolicyValidation,
  type PolicyWrite,
} from './policy-admin';
export type { PolicyWarning, PolicyWarningCode } from './policy-warnings';
