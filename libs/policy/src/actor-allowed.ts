import { isCelError } from '@bufbuild/cel';
import type { CompiledPolicy } from './compile-policy';
import { toBindings } from './evaluate-policies';
import { readCondition } from './expression-result';
import { messageOf } from './message-of';
import type { PolicyInput } from './policy.types';

/** Whether a policy lets the actor of `input` act for its subject; `reason` is for audit and explain. */
export type ActorDecision = { allowed: true } | { allowed: false; reason: string };

/**
 * Decides whether the RFC 8693 actor (`input.actor`) may act for the subject under `policy`, the
 * policy that already granted the subject (RFC 8693 §4.1: the authorization server decides).
 * Never throws.
 *
 * Without an actor there is nothing to decide: allowed. With one, the policy must have an
 * `actorCondition` and it must evaluate to `true`; a policy without one allows no actor.
 */
export function actorAllowed(policy: CompiledPolicy, input: PolicyInput): ActorDecision {
  if (input.actor === undefined) return { allowed: true };
  const name = policy.definition.name;
  if (policy.actorCondition === undefined) {
    return { allowed: false, reason: `policy ${name} has no actorCondition, so it allows no actor` };
  }
  try {
    const result = policy.actorCondition(toBindings(input));
    if (isCelError(result)) throw result;
    return readCondition(result)
      ? { allowed: true }
      : { allowed: false, reason: `policy ${name}: actorCondition is false` };
  } catch (error) {
    return { allowed: false, reason: `policy ${name}: actorCondition: ${messageOf(error)}` };
  }
}
