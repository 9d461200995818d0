import { EXIT } from './cli-command';

/** Why a command stopped: printed on standard error as `fedbroker: <message>`, then `details`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly details: readonly string[] = [],
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
