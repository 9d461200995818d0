import { QueryFailedError } from 'typeorm';

/** The PostgreSQL constraint a failed write violated, when the failure was a constraint violation. */
export function violatedConstraint(error: unknown): { code: string; constraint: string } | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driverError = error.driverError as { code?: unknown; constraint?: unknown };
  if (typeof driverError.code !== 'string' || typeof driverError.constraint !== 'string') return undefined;
  return { code: driverError.code, constraint: driverError.constraint };
}

export const UNIQUE_VIOLATION = '23505';
/** PostgreSQL 17 reports a RESTRICT foreign key as `restrict_violation`; earlier versions as a foreign key violation. */
export const REFERENCED_ROW_VIOLATIONS: ReadonlySet<string> = new Set(['23503', '23001']);
