import { isJson, notServed, problemError, type Json } from '../admin-client';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import { cell, warningsOf } from '../output';
import type { ResourceBundle } from '../resource-file';
import { pathOf, type ResourceKind } from './resource-paths';

/** What an apply did, each entry `<resource> <name>`. */
export interface ApplyOutcome {
  created: string[];
  updated: string[];
  unchanged: string[];
  /** What the broker warned about, each line naming its resource where it can. */
  warnings: string[];
}

/**
 * Creates or updates every platform and policy of `bundle` by name: in one transaction through
 * `POST /admin/v1/apply` where the broker serves it, else one by one (platforms first), each
 * update with the `If-Match` of the version just read.
 */
export async function applyResources(ctx: CliContext, bundle: ResourceBundle): Promise<ApplyOutcome> {
  const answer = await ctx.client().send('POST', '/admin/v1/apply', { body: bundle });
  if (notServed(answer)) return applyOneByOne(ctx, bundle);
  if (answer.status < 200 || answer.status >= 300) throw problemError(answer);
  const body = isJson(answer.body) ? answer.body : {};
  return {
    created: entries(body.created),
    updated: entries(body.updated),
    unchanged: entries(body.unchanged),
    warnings: warningsOf(body),
  };
}

async function applyOneByOne(ctx: CliContext, bundle: ResourceBundle): Promise<ApplyOutcome> {
  const outcome: ApplyOutcome = { created: [], updated: [], unchanged: [], warnings: [] };
  const work: [ResourceKind, Json][] = [
    ...bundle.platforms.map((item): [ResourceKind, Json] => ['platform', item]),
    ...bundle.policies.map((item): [ResourceKind, Json] => ['policy', item]),
  ];
  for (const [kind, item] of work) {
    try {
      await applyOne(ctx, kind, item, outcome);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      const done = [...outcome.created, ...outcome.updated, ...outcome.unchanged];
      throw new CliError(`${kind} ${String(item.name)}: ${error.message}`, [
        ...error.details,
        done.length > 0 ? `applied before it: ${done.join(', ')}` : 'nothing was applied',
      ]);
    }
  }
  return outcome;
}

async function applyOne(
  ctx: CliContext,
  kind: ResourceKind,
  item: Json,
  outcome: ApplyOutcome,
): Promise<void> {
  const client = ctx.client();
  const name = String(item.name);
  const current = await client.send('GET', pathOf(kind, name));
  const warn = (body: unknown) =>
    outcome.warnings.push(...warningsOf(body).map((w) => `${kind} ${name}: ${w}`));
  if (current.status === 404) {
    warn((await client.call('POST', pathOf(kind), { body: item })).body);
    outcome.created.push(`${kind} ${name}`);
    return;
  }
  if (current.status !== 200) throw problemError(current);
  const etag = current.headers.get('etag') ?? '*';
  const written = await client.call('PUT', pathOf(kind, name), { body: item, headers: { 'if-match': etag } });
  warn(written.body);
  const unchanged = written.headers.get('etag') === etag;
  (unchanged ? outcome.unchanged : outcome.updated).push(`${kind} ${name}`);
}

function entries(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry) => {
    if (!isJson(entry)) return cell(entry);
    return [cell(entry.resource ?? entry.kind), cell(entry.name)].filter((part) => part !== '').join(' ');
  });
}
