import type { z } from 'zod';
import { isJson, problemError, type Json } from '../admin-client';
import type { CliContext } from '../cli-context';
import { CliError } from '../cli-error';
import type { ResourceBundle } from '../resource-file';
import { pathOf, type ResourceKind } from './resource-paths';

/** A member whose value differs between the broker and the file (undefined: absent). */
export interface MemberChange {
  member: string;
  server: unknown;
  file: unknown;
}

/** What applying the file would do to one resource. */
export interface ResourceChange {
  resource: ResourceKind;
  name: string;
  change: 'create' | 'update' | 'none';
  members: MemberChange[];
}

type Schemas = Record<ResourceKind, z.ZodObject>;

/** The broker's own body schemas, loaded only for `diff` so that other commands start quickly. */
async function bodySchemas(): Promise<Schemas> {
  const { platformBodySchema, policyBodySchema } = await import('@fedbroker/catalog');
  return { platform: platformBodySchema, policy: policyBodySchema };
}

/** Members the broker fills in itself when the body leaves them out: not a difference then. */
const SERVER_DEFAULTED: Record<ResourceKind, ReadonlySet<string>> = {
  platform: new Set(['audiences']),
  policy: new Set(),
};

/**
 * Compares each resource of `bundle` with the broker's, member by member, as a `PUT` of the file
 * would leave it: the file's members with their defaults, against the writable members the broker
 * shows (`id`, `version` and times are not compared).
 */
export async function diffResources(ctx: CliContext, bundle: ResourceBundle): Promise<ResourceChange[]> {
  const work: [ResourceKind, Json][] = [
    ...bundle.platforms.map((item): [ResourceKind, Json] => ['platform', item]),
    ...bundle.policies.map((item): [ResourceKind, Json] => ['policy', item]),
  ];
  const schemas = await bodySchemas();
  const changes: ResourceChange[] = [];
  for (const [resource, item] of work) {
    const name = String(item.name);
    const file = withDefaults(schemas[resource], resource, item);
    const current = await ctx.client().send('GET', pathOf(resource, name));
    if (current.status === 404) {
      changes.push({ resource, name, change: 'create', members: [] });
      continue;
    }
    if (current.status !== 200) throw problemError(current);
    const server = isJson(current.body) ? current.body : {};
    const members = Object.keys(schemas[resource].shape)
      .filter((member) => !(file[member] === undefined && SERVER_DEFAULTED[resource].has(member)))
      .filter((member) => canonical(server[member]) !== canonical(file[member]))
      .map((member) => ({ member, server: server[member], file: file[member] }));
    changes.push({ resource, name, change: members.length > 0 ? 'update' : 'none', members });
  }
  return changes;
}

function withDefaults(schema: z.ZodObject, resource: ResourceKind, item: Json): Json {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  throw new CliError(
    `${resource} ${String(item.name)}: the broker would refuse it`,
    parsed.error.issues.map((issue) => `  ${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`),
  );
}

/** JSON with object members sorted, so that member order is no difference. */
function canonical(value: unknown): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, (_key, v: unknown) =>
    isJson(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
