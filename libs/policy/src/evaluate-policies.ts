import type { CelInput } from '@bufbuild/cel';
import type { PolicyBindings } from './cel-environment';
import type { CompiledPolicy } from './compile-policy';
import { readCondition } from './expression-result';
import { grantOf, run } from './grant-of';
import { messageOf } from './message-of';
import { pinnedConditionValue } from './pinned-condition';
import type { AuditModeVerdict, PolicyDecision, PolicyEvaluation, PolicyInput } from './policy.types';
import { toCelMap } from './to-cel-value';

/**
 * Evaluates every policy against one input at `now` (the request's clock) and picks the winner.
 * Never throws.
 *
 * The ranking: highest `priority` first, then name ascending; `evaluations` lists every policy in
 * that order (for explain and audit). A policy is `disabled`, `expired` (from its `expiresAt` on),
 * `matched` (its condition is true), `not_matched`, or `error` (its condition failed, which does
 * not match). The first ranked `matched` policy in `enforce` mode wins and has its subject and
 * claims evaluated. If that fails at run time (missing field, wrong type), the policy is reported as
 * `error` and the request is denied: a lower-ranked policy never stands in for a higher one that
 * matched. No winner: `match` is undefined, which means deny.
 *
 * `audit`-mode policies are evaluated the same way and never win; `auditMode` says what each would
 * have done had it been enforced.
 */
export function evaluatePolicies(
  policies: readonly CompiledPolicy[],
  input: PolicyInput,
  now: Date = new Date(),
): PolicyDecision {
  const { winner: _winner, ...decision } = evaluateRanked(rankPolicies(policies), input, now);
  return decision;
}

/**
 * {@link evaluatePolicies} over policies already in rank order, with the winning policy itself
 * (whose `actorCondition` decides an actor).
 */
export function evaluateRanked(
  ranked: readonly CompiledPolicy[],
  input: PolicyInput,
  now: Date,
): PolicyDecision & { winner?: CompiledPolicy } {
  const bindings = toBindings(input);
  const evaluations = ranked.map((policy) => evaluateCondition(policy, bindings, now, input.identity));
  const index = evaluations.findIndex((e) => e.result === 'matched' && e.mode === 'enforce');
  const winner = ranked[index];
  const auditMode: AuditModeVerdict[] = [];
  evaluations.forEach((evaluation, i) => {
    const policy = ranked[i];
    if (evaluation.mode !== 'audit' || evaluation.result === 'disabled' || policy === undefined) return;
    auditMode.push(auditVerdict(policy, evaluation, winner, i > index, bindings, input));
  });
  if (!winner) return { evaluations, auditMode };
  const outcome = grantOf(winner, bindings, input.identity);
  if ('match' in outcome) return { match: outcome.match, winner, evaluations, auditMode };
  const evaluation = evaluations[index];
  if (evaluation) evaluations[index] = { ...evaluation, result: 'error', reason: outcome.reason };
  return { evaluations, auditMode };
}

/** How policies are ranked and which one grants, in words, for explain. */
export const RANKING_RULE =
  'highest priority first, then by name ascending; the first matched policy in enforce mode grants, ' +
  'and disabled, expired and audit-mode policies never do';

/** `policies` in the order they are tried: highest `priority` first, then by name ascending. */
export function rankPolicies<P extends CompiledPolicy>(policies: readonly P[]): P[] {
  return [...policies].sort(byRank);
}

/** The order in which policies are tried: highest `priority` first, then name ascending. */
export function byRank(a: CompiledPolicy, b: CompiledPolicy): number {
  return rankOrder(a.definition, b.definition);
}

/** {@link byRank} on bare definitions. */
export function rankOrder(
  a: { priority: number; name: string },
  b: { priority: number; name: string },
): number {
  const priority = b.priority - a.priority;
  if (priority !== 0) return priority;
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
}

/** Each variable is converted on first use: most policies never read `claims` or `request`. */
export function toBindings(input: PolicyInput): PolicyBindings {
  let claims: ReadonlyMap<string, CelInput> | undefined;
  let identity: ReadonlyMap<string, CelInput> | undefined;
  let request: ReadonlyMap<string, CelInput> | undefined;
  let actor: ReadonlyMap<string, CelInput> | undefined;
  return {
    get claims() {
      return (claims ??= toCelMap(input.claims));
    },
    get identity() {
      return (identity ??= toCelMap(input.identity));
    },
    get request() {
      return (request ??= toCelMap(input.request));
    },
    get actor() {
      return (actor ??= toCelMap(input.actor ?? {}));
    },
  };
}

/**
 * How one policy's condition fares against `bindings` (made of `identity` and the rest of the
 * input) at `now`. A condition of pins only is read from `identity` without running it. Never throws.
 */
export function evaluateCondition(
  policy: CompiledPolicy,
  bindings: PolicyBindings,
  now: Date,
  identity: PolicyInput['identity'],
): PolicyEvaluation {
  const { name, priority, enabled, expiresAt, mode = 'enforce' } = policy.definition;
  const evaluation = { policy: name, priority, mode };
  if (!enabled) return { ...evaluation, result: 'disabled', reason: 'policy is disabled' };
  if (isExpired(policy, now)) {
    return { ...evaluation, result: 'expired', reason: `expired at ${expiresAt?.toISOString()}` };
  }
  const pinned = pinnedConditionValue(policy.facts, identity);
  if (pinned !== undefined) {
    return pinned
      ? { ...evaluation, result: 'matched' }
      : { ...evaluation, result: 'not_matched', reason: CONDITION_IS_FALSE };
  }
  try {
    return readCondition(run(policy.condition, bindings))
      ? { ...evaluation, result: 'matched' }
      : { ...evaluation, result: 'not_matched', reason: CONDITION_IS_FALSE };
  } catch (error) {
    return { ...evaluation, result: 'error', reason: `condition: ${messageOf(error)}` };
  }
}

/** Why a policy whose condition evaluated to false did not match. */
export const CONDITION_IS_FALSE = 'condition is false';

/** Whether `policy` has expired at `now` (from its `expiresAt` on). */
export function isExpired(policy: CompiledPolicy, now: Date): boolean {
  const { expiresAt } = policy.definition;
  return expiresAt !== undefined && now.getTime() >= expiresAt.getTime();
}

/**
 * What an `audit`-mode policy would have done had it been enforced, from its `evaluation`;
 * `winner` is the enforced policy that decided, if any, and `belowWinner` whether this policy ranks
 * below it.
 */
export function auditVerdict(
  policy: CompiledPolicy,
  evaluation: PolicyEvaluation,
  winner: CompiledPolicy | undefined,
  belowWinner: boolean,
  bindings: PolicyBindings,
  input: PolicyInput,
): AuditModeVerdict {
  const verdict = { policy: evaluation.policy };
  switch (evaluation.result) {
    case 'matched': {
      if (winner !== undefined && belowWinner) {
        return { ...verdict, verdict: 'outranked', reason: `policy ${winner.definition.name} decides` };
      }
      const outcome = grantOf(policy, bindings, input.identity);
      return 'match' in outcome
        ? { ...verdict, verdict: 'would_grant', reason: `subject ${outcome.match.subject}` }
        : { ...verdict, verdict: 'would_fail', reason: outcome.reason };
    }
    case 'not_matched':
      return { ...verdict, verdict: 'no_match', reason: evaluation.reason ?? CONDITION_IS_FALSE };
    case 'expired':
      return { ...verdict, verdict: 'expired', reason: evaluation.reason ?? 'expired' };
    case 'error':
    case 'disabled':
      return { ...verdict, verdict: 'error', reason: evaluation.reason ?? 'error' };
  }
}
