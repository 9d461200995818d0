import type { CompiledPolicy } from './compile-policy';
import { byRank } from './evaluate-policies';
import { LayeredMap } from './layered-map';
import { editedList, type RankedList } from './ranked-list';

/** Policies by pinned value, each list ranked; a change copies only the lists it touches. */
export type ValueLists = LayeredMap<RankedList>;

/** Policies by identity field, then by pinned value. */
export type PinLists = ReadonlyMap<string, ValueLists>;

/** The policies placed on one identity field. */
export interface FieldIndex {
  /** By pinned value. */
  readonly byValue: ValueLists;
  /** Every policy placed on the field, for an identity value no key can say (a list, a double). */
  readonly all: RankedList;
}

/**
 * What a `PolicySet` holds. It refers to policies themselves, never to their positions, so that a
 * change of a few policies is a change of the few lists that hold them.
 */
export interface PinIndex {
  readonly ranked: RankedList;
  /** Every policy under every value it pins: how many policies share a pin (see {@link placeOf}). */
  readonly pinned: PinLists;
  /** Each policy with a pin under the one field {@link placeOf} chooses. */
  readonly placed: ReadonlyMap<string, FieldIndex>;
  /** The policies without a pin. */
  readonly unplaced: RankedList;
  /** The enabled `audit`-mode policies: each gets a verdict. */
  readonly audited: RankedList;
  /** How many policies are in `enforce` mode. */
  readonly enforced: number;
}

/** Policies a build handles between two chances to pause. */
export const BUILD_STEP = 512;

/**
 * The field a policy is placed on: among the fields it pins, the one whose pinned values the fewest
 * policies share (then by name), so that one common pin (`serviceAccount == 'deployer'` everywhere)
 * does not gather every policy in one list. None for a policy without pins. It depends only on the
 * counts of the policy's own pins, so a change moves only the policies sharing a changed pin.
 */
export function placeOf(
  pins: ReadonlyMap<string, ReadonlySet<string>>,
  pinned: PinLists,
): string | undefined {
  let best: string | undefined;
  let bestCost = Infinity;
  for (const [field, values] of pins) {
    const lists = pinned.get(field);
    let cost = 0;
    for (const value of values) cost += lists?.get(value)?.length ?? 0;
    if (cost < bestCost || (cost === bestCost && best !== undefined && field < best)) {
      best = field;
      bestCost = cost;
    }
  }
  return best;
}

/** The index of `policies` (any order), built in steps: it yields every {@link BUILD_STEP} policies. */
export function* buildIndex(policies: RankedList): Generator<void, PinIndex> {
  const ranked = Object.freeze(isRanked(policies) ? [...policies] : [...policies].sort(byRank));
  yield;
  const pinned = new Map<string, Map<string, CompiledPolicy[]>>();
  for (let rank = 0; rank < ranked.length; rank += 1) {
    if (rank % BUILD_STEP === BUILD_STEP - 1) yield;
    const policy = ranked[rank] as CompiledPolicy;
    for (const [field, values] of policy.facts.pins) {
      for (const value of values) listIn(listsIn(pinned, field), value).push(policy);
    }
  }
  const pins = new Map<string, ValueLists>();
  for (const [field, lists] of pinned) pins.set(field, LayeredMap.of<RankedList>(lists));
  const byField = new Map<string, { byValue: Map<string, CompiledPolicy[]>; all: CompiledPolicy[] }>();
  const unplaced: CompiledPolicy[] = [];
  const audited: CompiledPolicy[] = [];
  let enforced = 0;
  for (let rank = 0; rank < ranked.length; rank += 1) {
    if (rank % BUILD_STEP === BUILD_STEP - 1) yield;
    const policy = ranked[rank] as CompiledPolicy;
    const { mode = 'enforce', enabled } = policy.definition;
    if (mode === 'enforce') enforced += 1;
    else if (enabled) audited.push(policy);
    const field = placeOf(policy.facts.pins, pins);
    if (field === undefined) {
      unplaced.push(policy);
      continue;
    }
    let index = byField.get(field);
    if (index === undefined) byField.set(field, (index = { byValue: new Map(), all: [] }));
    index.all.push(policy);
    for (const value of policy.facts.pins.get(field) ?? []) listIn(index.byValue, value).push(policy);
  }
  const placed = new Map<string, FieldIndex>();
  for (const [field, { byValue, all }] of byField) {
    // most values' lists hold the very policies pinning them: one array serves both (none changes)
    for (const [value, list] of byValue) {
      const pinning = pinned.get(field)?.get(value);
      if (pinning !== undefined && pinning.length === list.length) byValue.set(value, pinning);
    }
    placed.set(field, { byValue: LayeredMap.of<RankedList>(byValue), all });
  }
  return { ranked, pinned: pins, placed, unplaced, audited, enforced };
}

/** Removals and additions to one ranked list. */
interface ListEdit {
  removed: CompiledPolicy[];
  added: CompiledPolicy[];
}

/** The edits of the lists of a two-level map (field, value). */
class NestedEdits {
  readonly byField = new Map<string, Map<string, ListEdit>>();

  at(field: string, value: string): ListEdit {
    let values = this.byField.get(field);
    if (values === undefined) this.byField.set(field, (values = new Map<string, ListEdit>()));
    let edit = values.get(value);
    if (edit === undefined) values.set(value, (edit = { removed: [], added: [] }));
    return edit;
  }
}

/**
 * The index of `index.ranked` without `removed` and with `added` (no policy in both, none added
 * twice; a changed policy is its old version removed and its new one added): the very index
 * {@link buildIndex} would build, at the cost of the lists the change touches. Lists are copied,
 * never changed: `index` stays valid for whoever still reads it.
 */
export function deriveIndex(
  index: PinIndex,
  removed: readonly CompiledPolicy[],
  added: readonly CompiledPolicy[],
): PinIndex {
  const pinEdits = new NestedEdits();
  for (const policy of removed)
    forEachPin(policy, (field, value) => pinEdits.at(field, value).removed.push(policy));
  for (const policy of added)
    forEachPin(policy, (field, value) => pinEdits.at(field, value).added.push(policy));
  const pinned = editedLists(index.pinned, pinEdits);

  const gone = new Set(removed);
  // the policies whose placement may change: those sharing a pin whose count changed
  const sharing = new Set<CompiledPolicy>();
  for (const [field, values] of pinEdits.byField) {
    for (const value of values.keys()) {
      for (const policy of index.pinned.get(field)?.get(value) ?? [])
        if (!gone.has(policy)) sharing.add(policy);
    }
  }

  const placedEdits = new NestedEdits();
  const allEdits = new Map<string, ListEdit>();
  const unplacedEdit: ListEdit = { removed: [], added: [] };
  const place = (policy: CompiledPolicy, field: string | undefined, side: keyof ListEdit) => {
    if (field === undefined) {
      unplacedEdit[side].push(policy);
      return;
    }
    for (const value of policy.facts.pins.get(field) ?? []) placedEdits.at(field, value)[side].push(policy);
    let all = allEdits.get(field);
    if (all === undefined) allEdits.set(field, (all = { removed: [], added: [] }));
    all[side].push(policy);
  };
  for (const policy of removed) place(policy, placeOf(policy.facts.pins, index.pinned), 'removed');
  for (const policy of sharing) {
    const before = placeOf(policy.facts.pins, index.pinned);
    const after = placeOf(policy.facts.pins, pinned);
    if (before === after) continue;
    place(policy, before, 'removed');
    place(policy, after, 'added');
  }
  for (const policy of added) place(policy, placeOf(policy.facts.pins, pinned), 'added');

  const audited = (policies: readonly CompiledPolicy[]) =>
    policies.filter(({ definition }) => definition.mode === 'audit' && definition.enabled);
  const enforcing = (policies: readonly CompiledPolicy[]) =>
    policies.filter(({ definition }) => (definition.mode ?? 'enforce') === 'enforce').length;
  return {
    ranked: Object.freeze(editedList(index.ranked, removed, added)),
    pinned,
    placed: editedFields(index.placed, placedEdits, allEdits),
    unplaced: editedList(index.unplaced, unplacedEdit.removed, unplacedEdit.added),
    audited: editedList(index.audited, audited(removed), audited(added)),
    enforced: index.enforced - enforcing(removed) + enforcing(added),
  };
}

function forEachPin(policy: CompiledPolicy, visit: (field: string, value: string) => void): void {
  for (const [field, values] of policy.facts.pins) for (const value of values) visit(field, value);
}

/** `lists` with `edits` applied: the maps and lists edited are copies; empty ones are dropped. */
function editedLists(lists: PinLists, edits: NestedEdits): PinLists {
  const result = new Map(lists);
  for (const [field, values] of edits.byField) {
    const byValue = editedValues(lists.get(field), values);
    if (byValue.size === 0) result.delete(field);
    else result.set(field, byValue);
  }
  return result;
}

function editedValues(byValue: ValueLists | undefined, edits: ReadonlyMap<string, ListEdit>): ValueLists {
  const changes = new Map<string, RankedList | undefined>();
  for (const [value, edit] of edits) {
    const list = editedList(byValue?.get(value) ?? [], edit.removed, edit.added);
    changes.set(value, list.length === 0 ? undefined : list);
  }
  return (byValue ?? LayeredMap.of(new Map<string, RankedList>())).with(changes);
}

function editedFields(
  fields: ReadonlyMap<string, FieldIndex>,
  edits: NestedEdits,
  allEdits: ReadonlyMap<string, ListEdit>,
): ReadonlyMap<string, FieldIndex> {
  const result = new Map(fields);
  for (const [field, allEdit] of allEdits) {
    const before = fields.get(field);
    const all = editedList(before?.all ?? [], allEdit.removed, allEdit.added);
    if (all.length === 0) result.delete(field);
    else
      result.set(field, {
        byValue: editedValues(before?.byValue, edits.byField.get(field) ?? new Map<string, ListEdit>()),
        all,
      });
  }
  return result;
}

function listsIn<T>(map: Map<string, Map<string, T[]>>, field: string): Map<string, T[]> {
  let lists = map.get(field);
  if (lists === undefined) map.set(field, (lists = new Map<string, T[]>()));
  return lists;
}

function listIn<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  return list;
}

/** Whether `policies` is already in rank order, as the catalog keeps it. */
function isRanked(policies: RankedList): boolean {
  for (let i = 1; i < policies.length; i += 1) {
    if (byRank(policies[i - 1] as CompiledPolicy, policies[i] as CompiledPolicy) > 0) return false;
  }
  return true;
}
