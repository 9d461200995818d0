export { AdminChangeEntity } from './admin-change.entity';
export { AdminCredentialEntity } from './admin-credential.entity';
export { AuditEventEntity } from './audit-event.entity';
export { PlatformEntity } from './platform.entity';
export { PolicyEntity } from './policy.entity';
export { ReplayGuardEntity } from './replay-guard.entity';
export { SigningKeyEntity } from './signing-key.entity';
