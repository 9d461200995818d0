import { auditVerifyCommand } from './commands/audit-verify.command';
import { EXIT, type CliCommand, type CliIo } from './cli-command';

/** Every subcommand, in the order `fedbroker --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [auditVerifyCommand];

/** Runs `fedbroker` with `argv` (without the node and script paths); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.length === 0) {
    io.err(usage());
    return EXIT.error;
  }
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(usage());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.path.every((word, i) => argv[i] === word));
  if (!command) {
    io.err(`fedbroker: unknown command: ${argv.filter((a) => !a.startsWith('-')).join(' ')}`);
    io.err(usage());
    return EXIT.error;
  }
  return command.run(argv.slice(command.path.length), io);
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(' ').length));
  const lines = COMMANDS.map((c) => `  fedbroker ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
  return ['usage: fedbroker <command> [options]', '', 'commands:', ...lines].join('\n');
}
