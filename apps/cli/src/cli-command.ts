/** Where a command writes, and the environment it reads. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

/** Exit codes: 0 success, 1 the check found a problem, 2 the command could not run. */
export const EXIT = { ok: 0, failed: 1, error: 2 } as const;

/** A `fedbroker <group> <name>` subcommand. */
export interface CliCommand {
  /** The words naming it, e.g. `['audit', 'verify']`. */
  path: readonly string[];
  summary: string;
  /** Runs with the arguments after the command's words; resolves with the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}
