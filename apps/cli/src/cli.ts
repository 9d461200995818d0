import { Command, CommanderError } from 'commander';
import { AdminClient } from './admin-client';
import { EXIT, type CliIo } from './cli-command';
import type { CliContext } from './cli-context';
import { CliError } from './cli-error';
import { registerAudit } from './commands/audit.command';
import { registerCredentials } from './commands/credentials.command';
import { registerExplain } from './commands/explain.command';
import { registerKeys } from './commands/keys.command';
import { registerPlatforms } from './commands/platforms.command';
import { registerPolicies } from './commands/policies.command';

const ENVIRONMENT = `
Environment:
  FEDBROKER_URL         the broker's URL (its admin listener's when FEDBROKER_ADMIN_PORT is set)
  FEDBROKER_CREDENTIAL  an admin or auditor credential, sent as a bearer token; never printed
  DATABASE_URL          the database, for audit verify only`;

const EXIT_STATUS = `Tables are for people; --json prints JSON for scripts. Exit status: 0 success; 1 the answer is
"no" (a policy test failed, diff found differences, the audit chain is broken); 2 the command could
not do its work (usage, environment, the broker unreachable, or a refusal, whose problem is printed).`;

/** Runs `fedbroker` with `argv` (without the node and script paths); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  let client: AdminClient | undefined;
  let running = 'fedbroker';
  const ctx: CliContext = {
    io,
    client: () => (client ??= AdminClient.fromEnv(io.env, io.fetch)),
    json: (command) => command.optsWithGlobals<{ json?: boolean }>().json === true,
    exit: (code) => {
      exitCode = code;
    },
  };
  const program = buildProgram(ctx);
  program.hook('preAction', (_program, action) => {
    running = commandPath(action);
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? EXIT.ok
        : EXIT.error;
    }
    if (!(error instanceof CliError)) throw error;
    io.err(`${running}: ${error.message}`);
    for (const line of error.details) io.err(line);
    return error.exitCode;
  }
}

/** The `fedbroker` command and every subcommand, writing through `ctx.io`. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('fedbroker')
    .description('The command-line client of the fedbroker admin API.')
    .option('--json', 'print JSON (the admin API answer) instead of tables')
    .addHelpText('after', `${ENVIRONMENT}\n\n${EXIT_STATUS}`)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.out(text.replace(/\n$/, '')),
      writeErr: (text) => ctx.io.err(text.replace(/\n$/, '')),
    });
  registerPlatforms(program, ctx);
  registerPolicies(program, ctx);
  registerExplain(program, ctx);
  registerAudit(program, ctx);
  registerCredentials(program, ctx);
  registerKeys(program, ctx);
  return program;
}

function commandPath(command: Command): string {
  const words: string[] = [];
  for (let at: Command | null = command; at !== null; at = at.parent) words.unshift(at.name());
  return words.join(' ');
}
