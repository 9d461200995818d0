import { CatalogError, type FieldProblem } from './catalog.error';
import { parseBody, policyBodySchema, type PlatformBody, type PolicyBody } from './catalog-schemas';
import type { TimeSlicer } from './time-slicer';

/** The most platforms and policies one apply takes. */
export const MAX_APPLIED_PLATFORMS = 1000;
export const MAX_APPLIED_POLICIES = 20_000;

/** An item of an apply that read, with its place in the list it came in. */
export interface Item<Body> {
  index: number;
  body: Body;
}

/**
 * The policy items that read; the problems of the others, under their paths, go to `problems`.
 * Reading pauses with `slicer` between items, so that a large apply does not hold up `/token`.
 */
export async function readPolicies(
  items: readonly unknown[],
  problems: FieldProblem[],
  slicer: TimeSlicer,
): Promise<Item<PolicyBody>[]> {
  const read: Item<PolicyBody>[] = [];
  for (const [index, item] of items.entries()) {
    const parsed = parseBody(policyBodySchema, item);
    if (parsed.ok) read.push({ index, body: parsed.value });
    else problems.push(...prefixed(`policies.${index}`, parsed.problems));
    await slicer.pause();
  }
  return read;
}

/** The names of the platform items that did not read (when they have one). */
export function unreadNames(items: readonly unknown[], read: readonly Item<PlatformBody>[]): Set<string> {
  const readIndexes = new Set(read.map((item) => item.index));
  const names = new Set<string>();
  items.forEach((item, index) => {
    const name = typeof item === 'object' && item !== null ? (item as { name?: unknown }).name : undefined;
    if (!readIndexes.has(index) && typeof name === 'string') names.add(name);
  });
  return names;
}

/** Each item that repeats the name of an earlier one of its list. */
export function repeatedNames(
  list: 'platforms' | 'policies',
  items: readonly Item<{ name: string }>[],
): FieldProblem[] {
  const first = new Map<string, number>();
  const problems: FieldProblem[] = [];
  for (const { index, body } of items) {
    const earlier = first.get(body.name);
    if (earlier === undefined) first.set(body.name, index);
    else
      problems.push({ field: `${list}.${index}.name`, message: `${body.name} is also ${list}.${earlier}` });
  }
  return problems;
}

/** An item's problems under its path (`policies.3.condition`; the item itself for `(body)`). */
export function prefixed(path: string, problems: readonly FieldProblem[]): FieldProblem[] {
  return problems.map((p) => ({
    field: p.field === '(body)' ? path : `${path}.${p.field}`,
    message: p.message,
  }));
}

/** The one refusal of an apply, its problems in the order of the items. */
export function refusal(problems: readonly FieldProblem[]): CatalogError {
  const sorted = [...problems].sort((a, b) => itemOrder(a.field) - itemOrder(b.field));
  return new CatalogError('validation_failed', 'the apply is not valid; nothing was applied', sorted);
}

/** Platforms before policies, each in the order given; the envelope's own problems first. */
function itemOrder(field: string): number {
  const match = /^(platforms|policies)\.(\d+)/.exec(field);
  if (match === null) return -1;
  return (match[1] === 'policies' ? MAX_APPLIED_PLATFORMS : 0) + Number(match[2]);
}
