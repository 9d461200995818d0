import type { CompiledPolicy } from './compile-policy';
import { actorAllowed } from './actor-allowed';
import { toBindings } from './evaluate-policies';
import { readCondition } from './expression-result';
import { grantOf, run } from './grant-of';
import { messageOf } from './message-of';
import type { FieldType, PolicySchema } from './policy-schema';
import type { PolicyInput } from './policy.types';

/** The grant type a test's request has when it names none. */
export const DEFAULT_TEST_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/**
 * One test case a policy carries: an identity (or raw claims), optionally an actor and a request,
 * and whether the policy must match it.
 */
export interface PolicyTestCase {
  name: string;
  identity?: Record<string, unknown> | undefined;
  claims?: Record<string, unknown> | undefined;
  actor?: Record<string, unknown> | undefined;
  request?:
    | { audience?: string[] | undefined; scopes?: string[] | undefined; grantType?: string | undefined }
    | undefined;
  expect: 'match' | 'no_match';
}

/**
 * How a test case fared. `match`: the condition is true, the actor (when given) is allowed, and the
 * subject and claims evaluate; `no_match`: the condition is false or fails (as at `/token`, where
 * a failing condition does not match), or the actor is refused; `error`: the condition matched but
 * the subject or a claim fails, which at `/token` denies the request. An `error` never passes.
 */
export interface PolicyTestResult {
  name: string;
  passed: boolean;
  outcome: 'match' | 'no_match' | 'error';
  reason: string;
}

/** The platform a policy's tests run against: fills the identity's common fields. */
export interface TestPlatform {
  name: string;
  kind: string;
  issuer: string;
}

/**
 * Runs a policy's test cases against the policy alone: its condition, `actorCondition`, subject and
 * claims. Whether it is enabled, its mode, its expiry and the other policies of its platform do not
 * enter. Never throws.
 */
export function runPolicyTests(
  policy: CompiledPolicy,
  tests: readonly PolicyTestCase[],
  platform: TestPlatform,
): PolicyTestResult[] {
  return tests.map((test) => {
    const { outcome, reason } = runOne(policy, testInput(test, platform));
    return { name: test.name, passed: outcome === test.expect, outcome, reason };
  });
}

function runOne(policy: CompiledPolicy, input: PolicyInput): Pick<PolicyTestResult, 'outcome' | 'reason'> {
  const bindings = toBindings(input);
  try {
    if (!readCondition(run(policy.condition, bindings)))
      return { outcome: 'no_match', reason: 'condition is false' };
  } catch (error) {
    return { outcome: 'no_match', reason: `condition: ${messageOf(error)}` };
  }
  const actor = actorAllowed(policy, input);
  if (!actor.allowed) return { outcome: 'no_match', reason: actor.reason };
  const grant = grantOf(policy, bindings, input.identity);
  return 'match' in grant
    ? { outcome: 'match', reason: `subject ${grant.match.subject}` }
    : { outcome: 'error', reason: grant.reason };
}

/**
 * The input of a test case. Given `identity`, its `platform`, `kind` and `issuer` default to the
 * platform's and `claims` to `{}`. Given `claims` only, the identity is what every kind derives
 * from any JWT: the platform's `platform`, `kind` and `issuer`, and `subject`, `audience`,
 * `tokenId`, `issuedAt`, `expiresAt` from `sub`, `aud`, `jti`, `iat`, `exp`; no kind-specific field.
 */
export function testInput(test: PolicyTestCase, platform: TestPlatform): PolicyInput {
  const common = { platform: platform.name, kind: platform.kind, issuer: platform.issuer };
  const claims = test.claims ?? {};
  return {
    claims,
    identity:
      test.identity === undefined
        ? { ...common, ...identityOfClaims(claims) }
        : { ...common, ...test.identity },
    request: {
      audience: test.request?.audience ?? [],
      scopes: test.request?.scopes ?? [],
      grantType: test.request?.grantType ?? DEFAULT_TEST_GRANT_TYPE,
    },
    actor: test.actor,
  };
}

function identityOfClaims(claims: Record<string, unknown>): Record<string, unknown> {
  const { sub, aud, jti, iat, exp } = claims;
  const audience =
    typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a) => typeof a === 'string') : [];
  return {
    ...(typeof sub === 'string' && sub !== '' ? { subject: sub } : {}),
    audience,
    ...(typeof jti === 'string' && jti !== '' ? { tokenId: jti } : {}),
    ...(Number.isSafeInteger(iat) ? { issuedAt: iat } : {}),
    ...(Number.isSafeInteger(exp) ? { expiresAt: exp } : {}),
  };
}

const TYPE_CHECKS: Record<FieldType, (value: unknown) => boolean> = {
  string: (value) => typeof value === 'string',
  bool: (value) => typeof value === 'boolean',
  int: (value) => Number.isSafeInteger(value),
  list: (value) => Array.isArray(value),
  map: (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
};

/**
 * The fields of test identities and actors that the policy's schema does not know, or that have
 * another type: a misspelt field would otherwise make a test pass for the wrong reason. Paths are
 * `tests.<i>.identity.<field>` and `tests.<i>.actor.<field>`.
 */
export function policyTestProblems(
  tests: readonly PolicyTestCase[],
  schema: PolicySchema,
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  tests.forEach((test, i) => {
    for (const [variable, fields, owner] of [
      ['identity', schema.identity, `a ${schema.kind} identity`],
      ['actor', schema.actor, 'an actor'],
    ] as const) {
      for (const [field, value] of Object.entries(test[variable] ?? {})) {
        const type = Object.hasOwn(fields, field) ? fields[field] : undefined;
        const path = `tests.${i}.${variable}.${field}`;
        if (type === undefined) problems.push({ field: path, message: `${owner} has no field '${field}'` });
        else if (!TYPE_CHECKS[type](value)) problems.push({ field: path, message: `must be a ${type}` });
      }
    }
  });
  return problems;
}
