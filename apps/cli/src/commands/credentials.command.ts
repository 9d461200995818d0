import { Option, type Command } from 'commander';
import { isJson, type Json } from '../admin-client';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { cell, printJson, printTable } from '../output';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `fedbroker credentials create|list|revoke`. */
export function registerCredentials(program: Command, ctx: CliContext): void {
  const credentials = program
    .command('credentials')
    .description('who may call the admin API, with which role');

  credentials
    .command('create')
    .description('make a credential; its secret is printed this once')
    .requiredOption('--name <name>', 'lowercase letters, digits and dashes')
    .addOption(
      new Option('--role <role>', 'what it may do').choices(['admin', 'auditor']).makeOptionMandatory(),
    )
    .action(async (options: { name: string; role: string }, command: Command) => {
      const { body } = await ctx.client().call('POST', '/admin/v1/credentials', {
        body: { name: options.name, role: options.role },
      });
      if (ctx.json(command)) return printJson(ctx.io, body);
      const created = isJson(body) ? body : {};
      ctx.io.out(`created credential ${cell(created.name)} (${cell(created.role)}), id ${cell(created.id)}`);
      ctx.io.out(`secret, shown this once: ${cell(created.credential)}`);
    });

  credentials
    .command('list')
    .description('list the credentials (never their secrets)')
    .action(async (_options, command: Command) => {
      const { body } = await ctx.client().call('GET', '/admin/v1/credentials');
      if (ctx.json(command)) return printJson(ctx.io, body);
      printTable(
        ctx.io,
        ['ID', 'NAME', 'ROLE', 'CREATED'],
        items(body).map((c) => [cell(c.id), cell(c.name), cell(c.role), cell(c.createdAt)]),
      );
    });

  credentials
    .command('revoke <id-or-name>')
    .description('revoke a credential at once, on every replica')
    .action(async (which: string, _options, command: Command) => {
      const client = ctx.client();
      let id = which;
      if (!UUID.test(which)) {
        const named = items((await client.call('GET', '/admin/v1/credentials')).body).find(
          (c) => c.name === which,
        );
        if (named === undefined) throw new CliError(`no credential is named ${which}`);
        id = String(named.id);
      }
      await client.call('DELETE', `/admin/v1/credentials/${encodeURIComponent(id)}`);
      if (ctx.json(command)) printJson(ctx.io, { revoked: id });
      else ctx.io.out(`revoked credential ${id}`);
    });
}

function items(body: unknown): Json[] {
  return isJson(body) && Array.isArray(body.items) ? body.items.filter(isJson) : [];
}
