export { AuditQuery } from './audit.query';
export {
  AuditChainVerifier,
  type AuditChainBreak,
  type AuditChainReport,
  type AuditChainVerifierOptions,
} from './audit-chain.verifier';
export {
  AuditQueryError,
  AuditRecordError,
  AuditReplayedError,
  AuditUnavailableError,
  type AuditQueryErrorCode,
} from './audit.errors';
export type {
  AuditEventView,
  AuditFilters,
  AuditPage,
  AuditRecord,
  ReplayGuardClaim,
  UnverifiedCredential,
} from './audit.types';
export {
  AuditPartitionMaintenance,
  type AuditPartitionMaintenanceOptions,
  type AuditPartitionReport,
} from './audit-partition-maintenance';
export { ReplayGuardPurge, type ReplayGuardPurgeOptions } from './replay-guard-purge';
export { replayKeyUsed } from './replay-key-used';
export {
  AuditWriter,
  type AuditWriterObserver,
  type AuditWriterOptions,
  type AuditWriterStats,
} from './audit.writer';
export { uuidv7 } from './uuidv7';
