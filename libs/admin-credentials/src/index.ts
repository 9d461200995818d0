export { ADMIN_ROLES, type AdminPrincipal, type AdminRole } from './admin-role';
export { CredentialError, type CredentialErrorCode } from './credential.error';
export { generateCredentialSecret } from './credential-secret';
export {
  CredentialStore,
  credentialBodySchema,
  type CredentialStoreOptions,
  type IssuedCredential,
} from './credential-store';
export type { CredentialView } from './credential-view';
