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
import { buildIndex, deriveIndex, placeOf, type PinIndex } from './pin-index';
import type { AuditModeVerdict, PolicyDecision, PolicyEvaluation, PolicyInput } from './policy.types';
import { mergeRanked } from './ranked-list';

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

/** A change to a {@link PolicySet}: a changed policy is its old version removed and its new one added. */
export interface PolicySetChange {
  removed: readonly CompiledPolicy[];
  added: readonly CompiledPolicy[];
}

/**
 * One platform's policies, ranked and indexed by the identity fields their conditions pin
 * (`identity.namespace == 'x' && …`, `identity.f in ['a', 'b']`), so that choosing a policy costs
 * about the same with one policy or ten thousand. Immutable: a change of a few policies makes a new
 * set ({@link with}) that shares every list the change does not touch.
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

  private constructor(private readonly index: PinIndex) {
    this.ranked = index.ranked;
    this.enforced = index.enforced;
  }

  /** Ranks and indexes `policies` (any order; the array is not changed). */
  static of(policies: readonly CompiledPolicy[]): PolicySet {
    const steps = buildIndex(policies);
    let step = steps.next();
    while (step.done !== true) step = steps.next();
    return new PolicySet(step.value);
  }

  /**
   * {@link of}, awaiting `pause` every few hundred policies, so that a caller can yield
   * to the event loop while a large set builds (a catalog reload does, to keep serving `/token`).
   */
  static async build(policies: readonly CompiledPolicy[], pause: () => Promise<void>): Promise<PolicySet> {
    const steps = buildIndex(policies);
    let step = steps.next();
    while (step.done !== true) {
      await pause();
      step = steps.next();
    }
    return new PolicySet(step.value);
  }

  /**
   * This set after `change`: the set {@link of} would build from the policies it leaves, at the cost
   * of the lists holding the changed policies' pins (plus a copy of the ranked list). `removed` are
   * policies of this set; `added` policies not in it.
   */
  with(change: PolicySetChange): PolicySet {
    return new PolicySet(deriveIndex(this.index, change.removed, change.added));
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
    const { policies, absent } = this.candidates(input.identity);
    const evaluations: PolicyEvaluation[] = [];
    const auditEvaluations = new Map<CompiledPolicy, PolicyEvaluation>();
    let enforcedCandidates = 0;
    let winner: CompiledPolicy | undefined;
    let winnerEvaluation = -1;
    for (const policy of policies) {
      const audit = policy.definition.mode === 'audit';
      if (!audit) enforcedCandidates += 1;
      if (winner !== undefined && !audit) continue;
      const evaluation = evaluateCondition(policy, bindings, now, input.identity);
      evaluations.push(evaluation);
      if (audit) auditEvaluations.set(policy, evaluation);
      else if (winner === undefined && evaluation.result === 'matched') {
        winner = policy;
        winnerEvaluation = evaluations.length - 1;
        if (this.index.audited.length === 0) break;
      }
    }
    const ruledOut = this.enforced - this.countEnforced(policies, enforcedCandidates, winner);
    const auditMode = this.index.audited.map((policy) =>
      this.auditModeVerdict(policy, auditEvaluations.get(policy), absent, winner, bindings, input, now),
    );
    if (winner === undefined) {
      const ruledOutFirst = this.firstRuledOut(policies, absent);
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

  /** The policies that may match `identity`, in rank order, and the indexed fields it does not hold. */
  candidates(identity: Readonly<Record<string, unknown>>): {
    policies: readonly CompiledPolicy[];
    absent: ReadonlySet<string>;
  } {
    const lists: (readonly CompiledPolicy[])[] = [];
    const absent = new Set<string>();
    for (const [field, index] of this.index.placed) {
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
    lists.push(this.index.unplaced);
    return { policies: mergeRanked(lists), absent };
  }

  /**
   * The policies whose conditions may hold together with a condition pinning `pins` (its
   * {@link ConditionFacts}), in rank order: every policy left out is placed on a field `pins` also
   * pins, to other values, so the two conditions cannot both hold. A write's checks use it to find
   * the policies a new one competes with without going through them all.
   */
  overlapping(pins: ConditionFacts['pins']): readonly CompiledPolicy[] {
    const lists: (readonly CompiledPolicy[])[] = [];
    for (const [field, index] of this.index.placed) {
      const values = pins.get(field);
      if (values === undefined) lists.push(index.all);
      else for (const value of values) lists.push(index.byValue.get(value) ?? []);
    }
    lists.push(this.index.unplaced);
    return mergeRanked(lists);
  }

  /** The field the index placed `policy` on; undefined for a policy without pins. */
  private placement(policy: CompiledPolicy): string | undefined {
    return placeOf(policy.facts.pins, this.index.pinned);
  }

  /** The first ranked `enforce`-mode policies not among `candidates`, with the pin that ruled each out. */
  private firstRuledOut(
    candidates: readonly CompiledPolicy[],
    absent: ReadonlySet<string>,
  ): RuledOutPolicy[] {
    const named: RuledOutPolicy[] = [];
    const among = new Set(candidates);
    for (const policy of this.ranked) {
      if (named.length >= RULED_OUT_NAMED) break;
      if (among.has(policy) || policy.definition.mode === 'audit') continue;
      const field = this.placement(policy);
      if (field === undefined) continue;
      const reason = absent.has(field)
        ? `identity.${field} is absent`
        : `pins identity.${field} to other values`;
      named.push({ policy: policy.definition.name, reason });
    }
    return named;
  }

  /** The enforced candidates, counted whole even when the winner stopped their evaluation. */
  private countEnforced(
    candidates: readonly CompiledPolicy[],
    counted: number,
    winner: CompiledPolicy | undefined,
  ): number {
    if (winner === undefined) return counted;
    let enforced = 0;
    for (const policy of candidates) if (policy.definition.mode !== 'audit') enforced += 1;
    return enforced;
  }

  private auditModeVerdict(
    policy: CompiledPolicy,
    evaluated: PolicyEvaluation | undefined,
    absent: ReadonlySet<string>,
    winner: CompiledPolicy | undefined,
    bindings: PolicyBindings,
    input: PolicyInput,
    now: Date,
  ): AuditModeVerdict {
    const field = evaluated === undefined ? this.placement(policy) : undefined;
    const evaluation =
      evaluated ??
      (field !== undefined && absent.has(field)
        ? evaluateCondition(policy, bindings, now, input.identity)
        : undefined);
    if (evaluation !== undefined) {
      const ranksBelow = winner !== undefined && byRank(policy, winner) > 0;
      return auditVerdict(policy, evaluation, winner, ranksBelow, bindings, input);
    }
    const { name, expiresAt } = policy.definition;
    return isExpired(policy, now)
      ? { policy: name, verdict: 'expired', reason: `expired at ${expiresAt?.toISOString()}` }
      : { policy: name, verdict: 'no_match', reason: CONDITION_IS_FALSE };
  }
}
