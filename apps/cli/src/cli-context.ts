import type { Command } from 'commander';
import type { AdminClient } from './admin-client';
import type { CliIo } from './cli-command';

/** What every command's action is given. */
export interface CliContext {
  readonly io: CliIo;
  /** The admin API client, built from `FEDBROKER_URL` and `FEDBROKER_CREDENTIAL` on first use. */
  client(): AdminClient;
  /** Whether `--json` was given, before or after the command's words. */
  json(command: Command): boolean;
  /** The exit code the command ends with, when not 0. */
  exit(code: number): void;
}
