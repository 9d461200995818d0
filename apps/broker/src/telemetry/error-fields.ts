/** An error as a log field. */
export interface ErrorFields {
  type: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: ErrorFields;
}

const MAX_CAUSES = 3;

/**
 * An error's type, message, code, stack and causes, and nothing else: its other own properties are
 * left out, since a JWT library's error carries the claims it refused and a driver's error may
 * quote a row.
 */
export function errorFields(error: unknown, depth = 0): ErrorFields {
  if (!(error instanceof Error)) return { type: typeof error, message: 'a non-Error value was thrown' };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(error.cause !== undefined && depth < MAX_CAUSES
      ? { cause: errorFields(error.cause, depth + 1) }
      : {}),
  };
}
