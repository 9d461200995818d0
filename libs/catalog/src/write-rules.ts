import { CatalogError, type ConflictingResource } from './catalog.error';
import { REFERENCED_ROW_VIOLATIONS, UNIQUE_VIOLATION, violatedConstraint } from './database-errors';

/** Refuses a write made against versions other than the stored one (`If-Match`); undefined: any. */
export function checkVersion(actual: number, accepted: readonly number[] | undefined): void {
  if (accepted !== undefined && !accepted.includes(actual)) {
    throw new CatalogError('precondition_failed', `the resource is at version ${actual}`);
  }
}

/**
 * Turns a constraint violation of a write on `target` into the catalog error an admin can act on;
 * anything else passes through.
 */
export function translateWriteError(error: unknown, target: ConflictingResource): unknown {
  const violation = violatedConstraint(error);
  if (violation?.code === UNIQUE_VIOLATION) {
    return new CatalogError(
      'conflict',
      `a ${target.resource} named ${target.name} already exists`,
      [{ field: 'name', message: 'already taken' }],
      { conflicts: [target] },
    );
  }
  if (violation && REFERENCED_ROW_VIOLATIONS.has(violation.code)) {
    return new CatalogError('in_use', 'trust policies still refer to this platform; delete them first');
  }
  return error;
}
