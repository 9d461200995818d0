/** Why an admin write on the catalog was refused. */
export type CatalogErrorCode =
  'validation_failed' | 'not_found' | 'conflict' | 'precondition_failed' | 'in_use';

export interface FieldProblem {
  field: string;
  message: string;
}

/** A stored resource a refused write collides with. */
export interface ConflictingResource {
  resource: 'platform' | 'policy';
  name: string;
}

/** The one error the catalog throws; the admin API maps each code to a problem+json status. */
export class CatalogError extends Error {
  /** For `conflict` and `in_use`: the resources the write collides with. */
  readonly conflicts: readonly ConflictingResource[];

  constructor(
    readonly code: CatalogErrorCode,
    message: string,
    readonly problems: FieldProblem[] = [],
    options?: { cause?: unknown; conflicts?: readonly ConflictingResource[] },
  ) {
    super(message, options);
    this.name = 'CatalogError';
    this.conflicts = options?.conflicts ?? [];
  }
}
