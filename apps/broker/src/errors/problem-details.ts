import type { FieldProblem } from '@fedbroker/catalog';

/** A stored resource a refused write collides with (the `conflicts` member of a 409). */
export interface ProblemConflict {
  resource: string;
  name: string;
}

/** RFC 9457 problem details. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldProblem[];
  conflicts?: ProblemConflict[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problem(
  status: number,
  title: string,
  detail?: string,
  errors?: FieldProblem[],
  conflicts?: readonly ProblemConflict[],
): ProblemDetails {
  return {
    type: 'about:blank',
    title,
    status,
    ...(detail !== undefined ? { detail } : {}),
    ...(errors !== undefined ? { errors } : {}),
    ...(conflicts !== undefined && conflicts.length > 0 ? { conflicts: [...conflicts] } : {}),
  };
}
