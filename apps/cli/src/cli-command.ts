/** Where a command writes, what it reads, and how it waits: the process's, or a test's. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** The whole of standard input, for a token or a file given as `-`. */
  readStdin(): Promise<string>;
  /** Waits `ms` between polls; resolves early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Aborts a command that runs until stopped (`audit tail`): Ctrl-C, or a test. */
  signal: AbortSignal;
  /** Sends the admin API's requests; the global `fetch` unless a test says otherwise. */
  fetch?: typeof fetch;
}

/**
 * Exit codes: 0 success; 1 the answer is "no" (a policy test failed, a diff found differences, the
 * audit chain is broken); 2 the command could not do its work (bad usage or environment, the broker
 * unreachable, or a request it refused, whose problem is printed).
 */
export const EXIT = { ok: 0, failed: 1, error: 2 } as const;
