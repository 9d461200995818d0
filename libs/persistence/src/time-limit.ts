/** An operation did not finish within its time limit. */
export class TimeLimitError extends Error {
  override readonly name = 'TimeLimitError';
}

/**
 * `promise`, or a rejection with {@link TimeLimitError} once `ms` have passed. The operation is not
 * cancelled: its later failure is ignored here, so the caller must make its result harmless (close
 * the connection it runs on, say).
 */
export function timeLimit<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  promise.catch(() => undefined);
  if (ms <= 0) return Promise.reject(new TimeLimitError(`${what} was not attempted: no time left`));
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeLimitError(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
