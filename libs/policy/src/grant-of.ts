import { isCelError, type CelValue } from '@bufbuild/cel';
import type { CelProgram, PolicyBindings } from './cel-environment';
import type { CompiledPolicy } from './compile-policy';
import { readClaim, readSubject } from './expression-result';
import { messageOf } from './message-of';
import type { PolicyInput, PolicyMatch } from './policy.types';

/**
 * The grant of a policy whose condition matched: its subject and claims evaluated. Never throws: a
 * failing expression is a `reason` naming it.
 */
export function grantOf(
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
        ...(definition.oneTimeUse === undefined ? {} : { oneTimeUse: definition.oneTimeUse }),
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

/** Runs a planned expression. @throws the CEL error it evaluated to. */
export function run(program: CelProgram, bindings: PolicyBindings): CelValue {
  const result = program(bindings);
  if (isCelError(result)) throw result;
  return result;
}
