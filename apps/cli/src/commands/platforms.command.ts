import type { Command } from 'commander';
import { isJson, type Json } from '../admin-client';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { cell, printJson, printTable, printYaml, warningsOf } from '../output';
import { readResources } from '../resource-file';
import { deleteByName, pathOf } from './resource-paths';

/** `fedbroker platforms list|get|create|delete`. */
export function registerPlatforms(program: Command, ctx: CliContext): void {
  const platforms = program
    .command('platforms')
    .description('the platforms whose workloads may exchange tokens');

  platforms
    .command('list')
    .description('list the platforms')
    .action(async (_options, command: Command) => {
      const { body } = await ctx.client().call('GET', '/admin/v1/platforms');
      if (ctx.json(command)) return printJson(ctx.io, body);
      const items = isJson(body) && Array.isArray(body.items) ? body.items.filter(isJson) : [];
      printTable(
        ctx.io,
        ['NAME', 'KIND', 'ISSUER', 'KEYS', 'ENABLED', 'VERSION'],
        items.map((p) => [
          cell(p.name),
          cell(p.kind),
          cell(p.issuer),
          keySource(p),
          cell(p.enabled),
          cell(p.version),
        ]),
      );
    });

  platforms
    .command('get <name>')
    .description('show a platform (YAML; --json for JSON)')
    .action(async (name: string, _options, command: Command) => {
      const { body } = await ctx.client().call('GET', pathOf('platform', name));
      if (ctx.json(command)) printJson(ctx.io, body);
      else printYaml(ctx.io, body);
    });

  platforms
    .command('create')
    .description('register the platform described in a YAML or JSON file')
    .requiredOption('-f, --file <path>', 'the platform (- for standard input)')
    .action(async (options: { file: string }, command: Command) => {
      const bundle = await readResources(options.file, ctx.io);
      const [platform, ...more] = bundle.platforms;
      if (platform === undefined || more.length > 0 || bundle.policies.length > 0) {
        throw new CliError(
          `${options.file}: must hold exactly one platform (apply several with policies apply)`,
        );
      }
      const { body } = await ctx.client().call('POST', '/admin/v1/platforms', { body: platform });
      if (ctx.json(command)) return printJson(ctx.io, body);
      const created = isJson(body) ? body : {};
      ctx.io.out(`created platform ${cell(created.name)} (version ${cell(created.version)})`);
      ctx.io.out(`keys: ${keysReport(created.keys)}`);
      for (const warning of warningsOf(created)) ctx.io.err(`warning: ${warning}`);
    });

  platforms
    .command('delete <name>')
    .description('delete a platform (refused while policies use it)')
    .action(async (name: string, _options, command: Command) => {
      await deleteByName(ctx, 'platform', name);
      if (ctx.json(command)) printJson(ctx.io, { deleted: { resource: 'platform', name } });
      else ctx.io.out(`deleted platform ${name}`);
    });
}

function keySource(platform: Json): string {
  if (platform.jwks !== undefined) return 'inline';
  if (platform.jwksUri !== undefined) return 'jwksUri';
  return 'discovery';
}

function keysReport(keys: unknown): string {
  if (!isJson(keys)) return 'not reported';
  if (keys.ok === true) return `${cell(keys.keyCount)} fetched`;
  return `could not be fetched (the platform is saved): ${cell(keys.error)}`;
}
