import type { Command } from 'commander';
import { isJson, notServed, problemError } from '../admin-client';
import { EXIT } from '../cli-command';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { cell, printJson, printTable, printYaml } from '../output';
import { readResources } from '../resource-file';
import { applyResources } from './apply-resources';
import { diffResources, type ResourceChange } from './diff-resources';
import { deleteByName, pathOf } from './resource-paths';

/** `fedbroker policies list|get|apply|diff|test|delete`. */
export function registerPolicies(program: Command, ctx: CliContext): void {
  const policies = program.command('policies').description('the CEL trust policies: who gets which token');

  policies
    .command('list')
    .description('list the policies, ranked within each platform as /token ranks them')
    .option('--platform <name>', 'only the policies of this platform')
    .action(async (options: { platform?: string }, command: Command) => {
      const query = { platform: options.platform };
      const { body } = await ctx.client().call('GET', pathOf('policy'), { query });
      if (ctx.json(command)) return printJson(ctx.io, body);
      const items = isJson(body) && Array.isArray(body.items) ? body.items.filter(isJson) : [];
      printTable(
        ctx.io,
        ['NAME', 'PLATFORM', 'PRIORITY', 'MODE', 'ENABLED', 'AUDIENCES', 'SCOPES', 'VERSION'],
        items.map((p) => [
          cell(p.name),
          cell(p.platform),
          cell(p.priority),
          cell(p.mode),
          cell(p.enabled),
          cell(p.audiences),
          cell(p.scopes),
          cell(p.version),
        ]),
      );
    });

  policies
    .command('get <name>')
    .description('show a policy (YAML; --json for JSON)')
    .action(async (name: string, _options, command: Command) => {
      const { body } = await ctx.client().call('GET', pathOf('policy', name));
      if (ctx.json(command)) printJson(ctx.io, body);
      else printYaml(ctx.io, body);
    });

  policies
    .command('apply')
    .description('create or update, by name, the policies (and platforms) of a YAML or JSON file')
    .requiredOption(
      '-f, --file <path>',
      'a resource, a list, or {platforms, policies} (- for standard input)',
    )
    .action(async (options: { file: string }, command: Command) => {
      const outcome = await applyResources(ctx, await readResources(options.file, ctx.io));
      if (ctx.json(command)) return printJson(ctx.io, outcome);
      for (const verb of ['created', 'updated', 'unchanged'] as const) {
        for (const entry of outcome[verb]) ctx.io.out(`${verb} ${entry}`);
      }
      for (const warning of outcome.warnings) ctx.io.err(`warning: ${warning}`);
    });

  policies
    .command('diff')
    .description('show what applying a file would change on the broker; exit 1 when anything')
    .requiredOption('-f, --file <path>', 'the file apply would take (- for standard input)')
    .action(async (options: { file: string }, command: Command) => {
      const changes = await diffResources(ctx, await readResources(options.file, ctx.io));
      if (changes.some((c) => c.change !== 'none')) ctx.exit(EXIT.failed);
      if (ctx.json(command)) return printJson(ctx.io, { changes });
      for (const change of changes) printChange(ctx, change);
    });

  policies
    .command('test <name>')
    .description("run a policy's tests on the broker; exit 1 when one fails")
    .action(async (name: string, _options, command: Command) => {
      const answer = await ctx.client().send('POST', `${pathOf('policy', name)}/test`, { body: {} });
      if (notServed(answer)) {
        throw new CliError('this broker does not run policy tests (POST /admin/v1/policies/{name}/test)');
      }
      if (answer.status !== 200) throw problemError(answer);
      const results = isJson(answer.body) && Array.isArray(answer.body.results) ? answer.body.results : [];
      const failed = results.filter((r) => !isJson(r) || r.passed !== true).length;
      if (failed > 0) ctx.exit(EXIT.failed);
      if (ctx.json(command)) return printJson(ctx.io, answer.body);
      printTable(
        ctx.io,
        ['TEST', 'RESULT', 'OUTCOME', 'REASON'],
        results
          .filter(isJson)
          .map((r) => [cell(r.name), r.passed === true ? 'pass' : 'FAIL', cell(r.outcome), cell(r.reason)]),
      );
      ctx.io.out(`${results.length - failed} of ${results.length} test(s) passed`);
    });

  policies
    .command('delete <name>')
    .description('delete a policy')
    .action(async (name: string, _options, command: Command) => {
      await deleteByName(ctx, 'policy', name);
      if (ctx.json(command)) printJson(ctx.io, { deleted: { resource: 'policy', name } });
      else ctx.io.out(`deleted policy ${name}`);
    });
}

function printChange(ctx: CliContext, change: ResourceChange): void {
  const mark = { create: '+', update: '~', none: '=' }[change.change];
  const note = { create: ' (new)', update: '', none: ' (unchanged)' }[change.change];
  ctx.io.out(`${mark} ${change.resource} ${change.name}${note}`);
  for (const { member, server, file } of change.members) {
    ctx.io.out(`    ${member}: ${shown(server)} -> ${shown(file)}`);
  }
}

function shown(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}
