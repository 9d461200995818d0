import { InvalidArgumentError, type Command } from 'commander';
import { isJson } from '../admin-client';
import type { CliContext } from '../cli-context';
import { cell, printJson, printTable } from '../output';

/** `fedbroker keys list|rotate|rewrap`. */
export function registerKeys(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('the keys the broker signs its tokens with');

  keys
    .command('list')
    .description('list the signing keys and where each stands')
    .action(async (_options, command: Command) => {
      const { body } = await ctx.client().call('GET', '/admin/v1/signing-keys');
      if (ctx.json(command)) return printJson(ctx.io, body);
      const items = isJson(body) && Array.isArray(body.items) ? body.items.filter(isJson) : [];
      printTable(
        ctx.io,
        ['KID', 'ALG', 'STATUS', 'ACTIVATES', 'RETIRES', 'PUBLISHED UNTIL'],
        items.map((k) => [
          cell(k.kid),
          cell(k.alg),
          cell(k.status),
          cell(k.activatesAt),
          cell(k.retiresAt),
          cell(k.publishUntil),
        ]),
      );
    });

  keys
    .command('rotate')
    .description('publish a new signing key, signing at once or after --activate-after')
    .option('--activate-after <seconds>', 'publish it this long before it signs', seconds)
    .action(async (options: { activateAfter?: number }, command: Command) => {
      const body =
        options.activateAfter === undefined ? undefined : { activateAfterSeconds: options.activateAfter };
      const { body: key } = await ctx.client().call('POST', '/admin/v1/signing-keys/rotate', { body });
      if (ctx.json(command)) return printJson(ctx.io, key);
      const created = isJson(key) ? key : {};
      ctx.io.out(
        `published signing key ${cell(created.kid)} (${cell(created.alg)}), ${cell(created.status)}; it signs from ${cell(created.activatesAt)}`,
      );
    });

  keys
    .command('rewrap')
    .description('rewrap every stored key under FEDBROKER_KEY_ENCRYPTION_KEY (see the README first)')
    .action(async (_options, command: Command) => {
      const { body } = await ctx.client().call('POST', '/admin/v1/signing-keys/rewrap');
      if (ctx.json(command)) return printJson(ctx.io, body);
      const report = isJson(body) ? body : {};
      const count = (list: unknown) => (Array.isArray(list) ? list.length : 0);
      ctx.io.out(
        `rewrapped ${count(report.rewrapped)} key(s); ${count(report.unchanged)} already under the current key-encryption key`,
      );
      if (count(report.unreadable) > 0) {
        ctx.io.out(`retired, left as they are (no configured key opens them): ${cell(report.unreadable)}`);
      }
    });
}

function seconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number of seconds');
  return Number(value);
}
