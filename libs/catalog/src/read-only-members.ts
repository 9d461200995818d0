import { CatalogError, type FieldProblem } from './catalog.error';

/** What a stored resource carries that its writer does not choose. */
export interface StoredState {
  id: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const AGREES: Record<keyof StoredState, (value: unknown, stored: StoredState) => boolean> = {
  id: (value, stored) => value === stored.id,
  version: (value, stored) => value === stored.version,
  createdAt: (value, stored) => sameInstant(value, stored.createdAt),
  updatedAt: (value, stored) => sameInstant(value, stored.updatedAt),
};

function sameInstant(value: unknown, stored: Date): boolean {
  return typeof value === 'string' && Date.parse(value) === stored.getTime();
}

/**
 * `input` without the members the admin API adds to what it shows, so that a body read with GET can
 * be sent back with PUT: `id`, `version`, `createdAt` and `updatedAt` must agree with the stored
 * resource (else the write is refused, naming each), `reports` (a write's `keys` report) are dropped.
 */
export function withoutReadOnlyMembers(
  input: unknown,
  stored: StoredState,
  reports: readonly string[] = [],
): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const writable: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const [name, value] of Object.entries(input)) {
    if (Object.hasOwn(AGREES, name)) {
      if (!AGREES[name as keyof StoredState](value, stored)) {
        problems.push({ field: name, message: `is read-only and must be left as stored or left out` });
      }
    } else if (!reports.includes(name)) {
      Object.defineProperty(writable, name, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  if (problems.length > 0) {
    throw new CatalogError('validation_failed', 'the body changes read-only members', problems);
  }
  return writable;
}
