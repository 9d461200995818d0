import type { z } from 'zod';
import type { FieldProblem } from '@fedbroker/catalog';

/** A query or body an admin endpoint cannot use (400, with the fields). */
export class InvalidRequestError extends Error {
  constructor(
    message: string,
    readonly problems: FieldProblem[],
  ) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/** Parses an admin query or body, or throws {@link InvalidRequestError} naming each bad field. */
export function parseRequest<T>(schema: z.ZodType<T>, input: unknown, what: 'query' | 'body'): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InvalidRequestError(
    `the request ${what === 'query' ? 'query parameters are' : 'body is'} not valid`,
    parsed.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.') || `(${what})`,
      message: issue.message,
    })),
  );
}
