/** `admin` may do everything; `auditor` may read and explain, never write. */
export const ADMIN_ROLES = ['admin', 'auditor'] as const;

export type AdminRole = (typeof ADMIN_ROLES)[number];

/** Who an admin request acts as: the credential's id (or `bootstrap`) and its role. */
export interface AdminPrincipal {
  actor: string;
  role: AdminRole;
}
