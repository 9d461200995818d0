import { isCelError, type CelInput, type CelValue } from '@bufbuild/cel';
import type { CelProgram, PolicyBindings } from './cel-environment';
import type { CompiledPolicy } from './compile-policy';
import { readClaim, readCondition, readSubject } from './expression-result';
import { messageOf } from './message-of';
import type { PolicyDecision, PolicyEvaluation, PolicyInput, PolicyMatch } from './policy.types';
import { toCelMap } from './to-cel-value';

/**
 * Evaluates every policy against one input and picks the winner. Never throws.
 *
 * Each policy is evaluated (for explain and audit), and `evaluations` lists them ranked: highest
 * `priority` first, then by name ascending. A policy whose condition is true is `matched`; the
 * first ranked `matched` policy wins and has its subject and claims evaluated. If that fails at run
 * time (missing field, wrong type), the policy is reported as `error` and the request is denied: a
 * lower-priority policy never stands in for a higher one that matched. A condition that fails is
 * an `error` that does not match. No winner: `match` is undefined, which means deny.
 */
export function evaluatePolicies(policies: readonly CompiledPolicy[], input: PolicyInput): PolicyDecision {
  const bindings = toBindings(input);
  const ranked = rankPolicies(policies);
  const evaluations = ranked.map((policy) => evaluateCondition(policy, bindings));
  const index = evaluations.findIndex((evaluation) => evaluation.result === 'matched');
  const winner = ranked[index];
  if (!winner) return { evaluations };
  const outcome = grant(winner, bindings, input.identity);
  if ('match' in outcome) return { match: outcome.match, evaluations };
  evaluations[index] = { policy: winner.definition.name, result: 'error', reason: outcome.reason };
  return { evaluations };
}

/** How policies are ranked, in words, for explain. */
export const RANKING_RULE = 'highest priority first, then by name ascending; the first matched policy wins';

/** `policies` in the order they are tried: highest `priority` first, then by name ascending. */
export function rankPolicies<P extends CompiledPolicy>(policies: readonly P[]): P[] {
  return [...policies].sort(byRank);
}

function byRank(a: CompiledPolicy, b: CompiledPolicy): number {
  const priority = b.definition.priority - a.definition.priority;
  if (priority !== 0) return priority;
  if (a.definition.name === b.definition.name) return 0;
  return a.definition.name < b.definition.name ? -1 : 1;
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

function evaluateCondition(policy: CompiledPolicy, bindings: PolicyBindings): PolicyEvaluation {
  const name = policy.definition.name;
  if (!policy.definition.enabled) return { policy: name, result: 'disabled', reason: 'policy is disabled' };
  try {
    return readCondition(run(policy.condition, bindings))
      ? { policy: name, result: 'matched' }
      : { policy: name, result: 'not_matched', reason: 'condition is false' };
  } catch (error) {
    return { policy: name, result: 'error', reason: `condition: ${messageOf(error)}` };
  }
}

function grant(
  policy: CompiledPolicy,
  bindings: PolicyBindings,
  identity: PolicyInput['identity'],
): { match: PolicyMatch } | { reason: string } {
  const { definition } = policy;
  let field = 'subject';
  try {
    const subject =
      policy.subject === undefined ? defaultSubject(identity) : readSubject(run(policy.subject, bindings));
    const claims: [string, unknown][] = [];
    for (const [name, program] of policy.claims) {
      field = `claims.${name}`;
      claims.push([name, readClaim(run(program, bindings))]);
    }
    return {
      match: {
        policy: definition.name,
        subject,
        claims: Object.fromEntries(claims),
        audiences: [...definition.audiences],
        scopes: [...definition.scopes],
        ttlSeconds: definition.ttlSeconds,
      },
    };
  } catch (error) {
    return { reason: `${field}: ${messageOf(error)}` };
  }
}

/**
 * Without a `subject` mapping, the issued `sub` is `<platform>:<credential sub>`: platform names are
 * unique and colon-free, so two platforms' identical `sub` values (every cluster has a
 * `system:serviceaccount:default:default`) never become one subject.
 */
function defaultSubject(identity: PolicyInput['identity']): string {
  const { platform, subject } = identity;
  if (typeof subject !== 'string' || subject === '')
    throw new TypeError('identity.subject is missing or empty');
  if (typeof platform !== 'string' || platform === '' || platform.includes(':'))
    throw new TypeError('identity.platform is missing or not a platform name');
  return `${platform}:${subject}`;
}

function run(program: CelProgram, bindings: PolicyBindings): CelValue {
  const result = program(bindings);
  if (isCelError(result)) throw result;
  return result;
}
