import type { AdminCredentialEntity } from '@fedbroker/persistence';
import type { AdminRole } from './admin-role';

/** A credential as the admin API shows it: never its secret nor its digest. */
export interface CredentialView {
  id: string;
  name: string;
  role: AdminRole;
  createdAt: string;
}

export function credentialView(row: AdminCredentialEntity): CredentialView {
  return { id: row.id, name: row.name, role: row.role as AdminRole, createdAt: row.createdAt.toISOString() };
}
