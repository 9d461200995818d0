import type { PolicyBindings } from './cel-environment';
import type { CompiledPolicy } from './compile-policy';
import type { ConditionFacts } from './condition-facts';
import {
  auditVerdict,
  byRank,
  CONDITION_IS_FALSE,
  evaluateCondition,
  evaluateRanked,
  isExpired,
  toBindings,
} from './evaluate-policies';
import { grantOf } from './grant-of';
import { identityKey } from './identity-key';
import type { AuditModeVerdict, PolicyDecision, PolicyEvaluation, PolicyInput } from './policy.types';

/** A decision of a {@link PolicySet}, with the winning policy and what the index spared. */
export interface PolicyChoice extends PolicyDecision {
  /** The policy that granted (its `actorCondition` decides an actor); absent when `match` is. */
  winner?: CompiledPolicy;
  /** How many `enforce`-mode policies the index ruled out, unevaluated: none could have matched. */
  ruledOut: number;
  /**
   * On a denial, the first {@link RULED_OUT_NAMED} ranked `enforce`-mode policies the index ruled
   * out, each with the pin that did.
   */
  ruledOutFirst?: RuledOutPolicy[];
}

/** An `enforce`-mode policy the index ruled out, and why, in words. */
export interface RuledOutPolicy {
  policy: string;
  /** `identity.<field> is absent`, or `pins identity.<field> to other values`. */
  reason: string;
}

/** How many ruled-out policies a denial names at most. */
export const RULED_OUT_NAMED = 10;

/** Policies a {@link PolicySet} build handles between two chances to pause. */
const BUILD_STEP = 512;

/** The policies pinned on one identity field, by pinned value; each list in rank order. */
interface FieldIndex {
  readonly byValue: ReadonlyMap<string, readonly number[]>;
  /** Every policy placed on the field, for an identity value no key can say (a list, a double). */
  readonly all: readonly number[];
}

/**
 * One platform's policies, ranked once and indexed by the identity fields their conditions pin
 * (`identity.namespace == 'x' && …`, `identity.f in ['a', 'b']`), so that choosing a policy costs
 * about the same with one policy or ten thousand. Built once per catalog snapshot; immutable.
 *
 * Each policy with a pin is placed on one pinned field (the one whose values the fewest other
 * policies share). A request's candidates are the policies placed on a value its identity holds,
 * plus those the index cannot place (no pin, constant conditions), in rank order. A policy not
 * among them cannot match: a top-level conjunct of its condition is false (a present value differs
 * from the pin; CEL `&&` is then false whatever the other conjuncts do) or fails (the field is
 * absent).
 */
export class PolicySet {
  /** Every policy, in rank order (see `byRank`). */
  readonly ranked: readonly CompiledPolicy[];
  /** How many policies are in `enforce` mode. */
  readonly enforced: number;
  private readonly fields: ReadonlyMap<string, FieldIndex>;
  private readonly unplaced: readonly number[];
  /** The field each policy is placed on, by rank; undefined for the unplaced. */
  private readonly placement: readonly (string | undefined)[];
  /** The enabled `audit`-mode policies, by rank: each gets a verdict. */
  private readonly audited: readonly number[];

  private constructor(parts: PolicySetParts) {
    this.ranked = parts.ranked;
    this.placement = parts.placement;
    this.fields = parts.fields;
    this.unplaced = parts.unplaced;
    this.audited = parts.audited;
    this.enforced = parts.enforced;
  }

  /** Ranks and indexes `policies` (any order; the array is not changed). */
  static of(policies: readonly CompiledPolicy[]): PolicySet {
    const steps = buildSteps(policies);
    let step = steps.next();
    while (step.done !== true) step = steps.next();
    return new PolicySet(step.value);
  }

  /**
   * {@link of}, awaiting `pause` every {@link BUILD_STEP} policies or so, so that a caller can yield
   * to the event loop while a large set builds (a catalog reload does, to keep serving `/token`).
   */
  static async build(policies: readonly CompiledPolicy[], pause: () => Promise<void>): Promise<PolicySet> {
    const steps = buildSteps(policies);
    let step = steps.next();
    while (step.done !== true) {
      await pause();
      step = steps.next();
    }
    return new PolicySet(step.value);
  }

  /** How many policies the set holds. */
  get size(): number {
    return this.ranked.length;
  }

  /**
   * The `/token` decision, the same as {@link evaluatePolicies} over every policy would reach: the
   * candidates are evaluated in rank order up to the first matched `enforce`-mode one, which grants
   * (or, when its subject or claims fail, denies: a lower-ranked policy never stands in for it).
   * `evaluations` lists only the policies evaluated. Every enabled `audit`-mode policy gets the
   * verdict an exhaustive evaluation gives it; one the index ruled out because its pinned field
   * holds another value gets `no_match` (`condition is false`, which it is) without being run.
   */
  decide(input: PolicyInput, now: Date): PolicyChoice {
    const bindings = toBindings(input);
    const { ranks, absent } = this.candidates(input.identity);
    const evaluations: PolicyEvaluation[] = [];
    const auditEvaluations = new Map<number, PolicyEvaluation>();
    let enforcedCandidates = 0;
    let winnerRank = -1;
    let winnerEvaluation = -1;
    for (const rank of ranks) {
      const policy = this.ranked[rank];
      if (policy === undefined) continue;
      const audit = policy.definition.mode === 'audit';
      if (!audit) enforcedCandidates += 1;
      if (winnerRank !== -1 && !audit) continue;
      const evaluation = evaluateCondition(policy, bindings, now, input.identity);
      evaluations.push(evaluation);
      if (audit) auditEvaluations.set(rank, evaluation);
      else if (winnerRank === -1 && evaluation.result === 'matched') {
        winnerRank = rank;
        winnerEvaluation = evaluations.length - 1;
        if (this.audited.length === 0) break;
      }
    }
    const ruledOut = this.enforced - this.countEnforced(ranks, enforcedCandidates, winnerRank);
    const winner = this.ranked[winnerRank];
    const auditMode = this.audited.map((rank) =>
      this.auditModeVerdict(
        rank,
        auditEvaluations.get(rank),
        absent,
        winner,
        winnerRank,
        bindings,
        input,
        now,
      ),
    );
    if (winner === undefined) {
      const ruledOutFirst = this.firstRuledOut(ranks, absent);
      return { evaluations, auditMode, ruledOut, ruledOutFirst };
    }
    const outcome = grantOf(winner, bindings, input.identity);
    if ('match' in outcome) return { match: outcome.match, winner, evaluations, auditMode, ruledOut };
    const evaluation = evaluations[winnerEvaluation];
    if (evaluation)
      evaluations[winnerEvaluation] = { ...evaluation, result: 'error', reason: outcome.reason };
    return { evaluations, auditMode, ruledOut };
  }

  /** Every policy evaluated, in rank order, as explain shows them: {@link evaluatePolicies}. */
  evaluateAll(input: PolicyInput, now: Date): PolicyChoice {
    return { ...evaluateRanked(this.ranked, input, now), ruledOut: 0 };
  }

  /**
   * The ranks of the policies that may match `identity`, ascending, and the indexed fields it does
   * not hold.
   */
  candidates(identity: Readonly<Record<string, unknown>>): {
    ranks: readonly number[];
    absent: ReadonlySet<string>;
  } {
    const lists: (readonly number[])[] = [];
    const absent = new Set<string>();
    for (const [field, index] of this.fields) {
      const key = identityKey(identity, field);
      switch (key.kind) {
        case 'absent':
          absent.add(field);
          break;
        case 'uncertain':
          lists.push(index.all);
          break;
        case 'value': {
          const hits = index.byValue.get(key.key);
          if (hits !== undefined) lists.push(hits);
          break;
        }
      }
    }
    if (this.unplaced.length > 0) lists.push(this.unplaced);
    return { ranks: mergeRanks(lists), absent };
  }

  /**
   * The policies whose conditions may hold together with a condition pinning `pins` (its
   * {@link ConditionFacts}), in rank order: every policy left out is placed on a field `pins` also
   * pins, to other values, so the two conditions cannot both hold. A write's checks use it to find
   * the policies a new one competes with without going through them all.
   */
  overlapping(pins: ConditionFacts['pins']): CompiledPolicy[] {
    const lists: (readonly number[])[] = [];
    for (const [field, index] of this.fields) {
      const values = pins.get(field);
      if (values === undefined) lists.push(index.all);
      else for (const value of values) lists.push(index.byValue.get(value) ?? []);
    }
    lists.push(this.unplaced);
    const policies: CompiledPolicy[] = [];
    let previous = -1;
    for (const rank of lists.flat().sort((a, b) => a - b)) {
      if (rank === previous) continue;
      previous = rank;
      policies.push(this.ranked[rank] as CompiledPolicy);
    }
    return policies;
  }

  /** The first ranked `enforce`-mode policies not among `ranks`, with the pin that ruled each out. */
  private firstRuledOut(ranks: readonly number[], absent: ReadonlySet<string>): RuledOutPolicy[] {
    const named: RuledOutPolicy[] = [];
    let next = 0;
    for (let rank = 0; rank < this.ranked.length && named.length < RULED_OUT_NAMED; rank += 1) {
      while (next < ranks.length && (ranks[next] ?? 0) < rank) next += 1;
      const policy = this.ranked[rank];
      const field = this.placement[rank];
      if (ranks[next] === rank || policy === undefined || field === undefined) continue;
      if (policy.definition.mode === 'audit') continue;
      const reason = absent.has(field)
        ? `identity.${field} is absent`
        : `pins identity.${field} to other values`;
      named.push({ policy: policy.definition.name, reason });
    }
    return named;
  }

  /** The enforced candidates, counted whole even when the winner stopped their evaluation. */
  private countEnforced(ranks: readonly number[], counted: number, winnerRank: number): number {
    if (winnerRank === -1) return counted;
    let enforced = 0;
    for (const rank of ranks) if (this.ranked[rank]?.definition.mode !== 'audit') enforced += 1;
    return enforced;
  }

  private auditModeVerdict(
    rank: number,
    evaluated: PolicyEvaluation | undefined,
    absent: ReadonlySet<string>,
    winner: CompiledPolicy | undefined,
    winnerRank: number,
    bindings: PolicyBindings,
    input: PolicyInput,
    now: Date,
  ): AuditModeVerdict {
    const policy = this.ranked[rank] as CompiledPolicy;
    const field = this.placement[rank];
    const evaluation =
      evaluated ??
      (field !== undefined && absent.has(field)
        ? evaluateCondition(policy, bindings, now, input.identity)
        : undefined);
    if (evaluation !== undefined) {
      return auditVerdict(
        policy,
        evaluation,
        winner,
        winnerRank !== -1 && rank > winnerRank,
        bindings,
        input,
      );
    }
    const { name, expiresAt } = policy.definition;
    return isExpired(policy, now)
      ? { policy: name, verdict: 'expired', reason: `expired at ${expiresAt?.toISOString()}` }
      : { policy: name, verdict: 'no_match', reason: CONDITION_IS_FALSE };
  }
}

interface PolicySetParts {
  ranked: readonly CompiledPolicy[];
  placement: readonly (string | undefined)[];
  fields: ReadonlyMap<string, FieldIndex>;
  unplaced: readonly number[];
  audited: readonly number[];
  enforced: number;
}

/** What a {@link PolicySet} holds, built in steps: it yields every {@link BUILD_STEP} policies. */
function* buildSteps(policies: readonly CompiledPolicy[]): Generator<void, PolicySetParts> {
  const ranked = Object.freeze(isRanked(policies) ? [...policies] : [...policies].sort(byRank));
  yield;
  const placement = yield* placements(ranked);
  const fields = new Map<string, { byValue: Map<string, number[]>; all: number[] }>();
  const unplaced: number[] = [];
  const audited: number[] = [];
  let enforced = 0;
  for (let rank = 0; rank < ranked.length; rank += 1) {
    if (rank % BUILD_STEP === BUILD_STEP - 1) yield;
    const policy = ranked[rank] as CompiledPolicy;
    const { mode = 'enforce', enabled } = policy.definition;
    if (mode === 'enforce') enforced += 1;
    else if (enabled) audited.push(rank);
    const field = placement[rank];
    const values = field === undefined ? undefined : policy.facts.pins.get(field);
    if (field === undefined || values === undefined) {
      unplaced.push(rank);
      continue;
    }
    let index = fields.get(field);
    if (index === undefined) fields.set(field, (index = { byValue: new Map(), all: [] }));
    index.all.push(rank);
    for (const value of values) {
      const list = index.byValue.get(value);
      if (list === undefined) index.byValue.set(value, [rank]);
      else list.push(rank);
    }
  }
  return { ranked, placement, fields, unplaced, audited, enforced };
}

/**
 * The field each policy is placed on: among the fields it pins, the one whose pinned values the
 * fewest policies share (then by name), so that one common pin (`serviceAccount == 'deployer'`
 * everywhere) does not gather every policy in one list. None for a policy without pins.
 */
function* placements(ranked: readonly CompiledPolicy[]): Generator<void, (string | undefined)[]> {
  const shared = new Map<string, Map<string, number>>();
  for (let rank = 0; rank < ranked.length; rank += 1) {
    if (rank % BUILD_STEP === BUILD_STEP - 1) yield;
    const { facts } = ranked[rank] as CompiledPolicy;
    for (const [field, values] of facts.pins) {
      let counts = shared.get(field);
      if (counts === undefined) shared.set(field, (counts = new Map<string, number>()));
      for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
    }
  }
  const placement: (string | undefined)[] = [];
  for (let rank = 0; rank < ranked.length; rank += 1) {
    if (rank % BUILD_STEP === BUILD_STEP - 1) yield;
    const { facts } = ranked[rank] as CompiledPolicy;
    placement.push(placeOf(facts.pins, shared));
  }
  return placement;
}

/** The field of `pins` whose pinned values the fewest policies share (then by name). */
function placeOf(
  pins: ReadonlyMap<string, ReadonlySet<string>>,
  shared: ReadonlyMap<string, ReadonlyMap<string, number>>,
): string | undefined {
  let best: string | undefined;
  let bestCost = Infinity;
  for (const [field, values] of pins) {
    const counts = shared.get(field);
    let cost = 0;
    for (const value of values) cost += counts?.get(value) ?? 0;
    if (cost < bestCost || (cost === bestCost && best !== undefined && field < best)) {
      best = field;
      bestCost = cost;
    }
  }
  return best;
}

/** Whether `policies` is already in rank order, as the catalog keeps it. */
function isRanked(policies: readonly CompiledPolicy[]): boolean {
  for (let i = 1; i < policies.length; i += 1) {
    if (byRank(policies[i - 1] as CompiledPolicy, policies[i] as CompiledPolicy) > 0) return false;
  }
  return true;
}

/** Ascending lists of distinct ranks (no rank in two lists) merged into one ascending list. */
function mergeRanks(lists: readonly (readonly number[])[]): readonly number[] {
  if (lists.length === 0) return [];
  if (lists.length === 1) return lists[0] ?? [];
  let length = 0;
  for (const list of lists) length += list.length;
  const merged = new Int32Array(length);
  let offset = 0;
  for (const list of lists) {
    merged.set(list, offset);
    offset += list.length;
  }
  return Array.from(merged.sort());
}
