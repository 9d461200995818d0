/** Why an admin write on the catalog was refused. */
export type CatalogErrorCode =
  'validation_failed' | 'not_found' | 'conflict' | 'precondition_failed' | 'in_use';

export interface FieldProblem {
  field: string;
  message: string;
}

/** The one error the catalog throws; the admin API maps each code to a problem+json status. */
export class CatalogError extends Error {
  constructor(
    readonly code: CatalogErrorCode,
    message: string,
    readonly problems: FieldProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CatalogError';
  }
}
