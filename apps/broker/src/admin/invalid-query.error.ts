import type { FieldProblem } from '@fedbroker/catalog';

/** Query parameters an admin endpoint cannot use (400, with the fields). */
export class InvalidQueryError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super('the query parameters are not valid');
    this.name = 'InvalidQueryError';
  }
}
