import { InvalidArgumentError, Option, type Command } from 'commander';
import { isJson, type Json } from '../admin-client';
import type { CliContext } from '../cli-context';
import { cell, printJson, printTable } from '../output';
import { registerAuditVerify } from './audit-verify.command';

const PAGE = 500;

interface FilterOptions {
  outcome?: string;
  platform?: string;
  subject?: string;
  policy?: string;
  requestId?: string;
  tokenId?: string;
  from?: string;
  to?: string;
}

/** `fedbroker audit list|tail|verify`. */
export function registerAudit(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('the audit trail: one event per /token request');

  withFilters(audit.command('list').description('list audit events, newest first'))
    .option('--to <time>', 'only events before this RFC 3339 time or date')
    .option('--limit <n>', 'events per page (at most 500)', count)
    .option('--cursor <cursor>', 'the page after the one that printed this cursor')
    .action(async (options: FilterOptions & { limit?: number; cursor?: string }, command: Command) => {
      const query = { ...filters(options), limit: options.limit?.toString(), cursor: options.cursor };
      const { body } = await ctx.client().call('GET', '/admin/v1/audit-events', { query });
      if (ctx.json(command)) return printJson(ctx.io, body);
      const page = isJson(body) ? body : {};
      printTable(ctx.io, HEADER, events(page).map(row));
      if (typeof page.nextCursor === 'string') ctx.io.out(`more: --cursor ${page.nextCursor}`);
    });

  withFilters(audit.command('tail').description('print audit events as they are written, until interrupted'))
    .option('--lines <n>', 'recent events to print first', count, 10)
    .option('--interval <seconds>', 'seconds between polls', count, 2)
    .action(async (options: FilterOptions & { lines: number; interval: number }, command: Command) => {
      await tail(ctx, options, ctx.json(command));
    });

  registerAuditVerify(audit, ctx);
}

const HEADER = ['TIME', 'OUTCOME', 'PLATFORM', 'SUBJECT', 'POLICY', 'ERROR', 'REASON'];

function row(event: Json): string[] {
  return [
    event.time,
    event.outcome,
    event.platform,
    event.subject,
    event.policy,
    event.error,
    event.reason,
  ].map(cell);
}

function withFilters(command: Command): Command {
  return command
    .addOption(new Option('--outcome <outcome>', 'issued or denied').choices(['issued', 'denied']))
    .option('--platform <name>', "only this platform's events")
    .option('--subject <sub>', "only this credential subject's events")
    .option('--policy <name>', "only this policy's events")
    .option('--request-id <id>', 'only the event of this request id')
    .option('--token-id <jti>', 'only the event of the token with this jti')
    .option('--from <time>', 'only events at or after this RFC 3339 time or date');
}

function filters(options: FilterOptions): Record<string, string | undefined> {
  return {
    outcome: options.outcome,
    platform: options.platform,
    subject: options.subject,
    policy: options.policy,
    requestId: options.requestId,
    tokenId: options.tokenId,
    from: options.from,
    to: options.to,
  };
}

/**
 * Prints the latest events, then polls for newer ones (`from` the newest time seen, leaving out
 * events already printed) and prints them oldest first, until `ctx.io.signal` aborts.
 */
async function tail(
  ctx: CliContext,
  options: FilterOptions & { lines: number; interval: number },
  json: boolean,
) {
  const client = ctx.client();
  const print = (event: Json) => ctx.io.out(json ? JSON.stringify(event) : row(event).join('  '));
  const first = await client.call('GET', '/admin/v1/audit-events', {
    query: { ...filters(options), limit: String(Math.max(options.lines, 1)) },
  });
  const latest = options.lines > 0 ? events(first.body) : [];
  latest.reverse().forEach(print);
  let newest = events(first.body)[0]?.time as string | undefined;
  let atNewest = new Set(
    events(first.body)
      .filter((e) => e.time === newest)
      .map((e) => String(e.id)),
  );

  while (!ctx.io.signal.aborted) {
    await ctx.io.sleep(options.interval * 1000, ctx.io.signal);
    if (ctx.io.signal.aborted) break;
    const fresh: Json[] = [];
    let cursor: string | undefined;
    do {
      const query = { ...filters(options), from: newest ?? options.from, limit: String(PAGE), cursor };
      const { body } = await client.call('GET', '/admin/v1/audit-events', { query });
      fresh.push(...events(body).filter((e) => !atNewest.has(String(e.id))));
      cursor = isJson(body) && typeof body.nextCursor === 'string' ? body.nextCursor : undefined;
    } while (cursor !== undefined);
    if (fresh.length === 0) continue;
    fresh.reverse().forEach(print);
    const time = fresh[fresh.length - 1]?.time as string;
    if (time !== newest) atNewest = new Set();
    newest = time;
    for (const event of fresh) if (event.time === newest) atNewest.add(String(event.id));
  }
}

function events(body: unknown): Json[] {
  return isJson(body) && Array.isArray(body.items) ? body.items.filter(isJson) : [];
}

function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}
