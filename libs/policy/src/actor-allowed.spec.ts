import { describe, expect, it } from 'vitest';
import { actorAllowed } from './actor-allowed';
import { compilePolicy, type CompiledPolicy } from './compile-policy';
import { evaluatePolicies } from './evaluate-policies';
import type { PolicyDefinition, PolicyInput } from './policy.types';

function policy(overrides: Partial<PolicyDefinition> = {}): CompiledPolicy {
  return compilePolicy({
    name: 'deployer',
    condition: "identity.namespace == 'payments'",
    claims: {},
    audiences: ['https://api.payments.example'],
    scopes: [],
    ttlSeconds: 900,
    priority: 0,
    enabled: true,
    ...overrides,
  });
}

const subject: PolicyInput = {
  claims: { sub: 'system:serviceaccount:payments:deployer' },
  identity: {
    platform: 'prod-cluster',
    subject: 'system:serviceaccount:payments:deployer',
    namespace: 'payments',
  },
  request: { audience: [], scopes: [], grantType: 'urn:ietf:params:oauth:grant-type:token-exchange' },
};
const ciActor = { subject: 'system:serviceaccount:ci:runner', namespace: 'ci', serviceAccount: 'runner' };
const withActor: PolicyInput = { ...subject, actor: ciActor };

describe('actorAllowed', () => {
  it('allows a request without an actor, whatever the policy', () => {
    expect(actorAllowed(policy(), subject)).toEqual({ allowed: true });
    expect(actorAllowed(policy({ actorCondition: 'false' }), subject)).toEqual({ allowed: true });
  });

  it('refuses any actor when the policy has no actorCondition', () => {
    expect(actorAllowed(policy(), withActor)).toEqual({
      allowed: false,
      reason: 'policy deployer has no actorCondition, so it allows no actor',
    });
  });

  it.each<[string, string, PolicyInput, boolean]>([
    ['an actor the condition names', "actor.namespace == 'ci'", withActor, true],
    ['an actor of another namespace', "actor.namespace == 'release'", withActor, false],
    [
      'the subject acting for itself',
      'actor.subject != identity.subject',
      { ...subject, actor: subject.identity },
      false,
    ],
    ['an actor that differs from the subject', 'actor.subject != identity.subject', withActor, true],
    [
      'an actor judged with the request',
      "actor.namespace == 'ci' && request.audience == []",
      withActor,
      true,
    ],
  ])('decides %s', (_case, actorCondition, input, allowed) => {
    expect(actorAllowed(policy({ actorCondition }), input).allowed).toBe(allowed);
  });

  it('gives the reason when the actorCondition is false', () => {
    expect(actorAllowed(policy({ actorCondition: "actor.namespace == 'release'" }), withActor)).toEqual({
      allowed: false,
      reason: 'policy deployer: actorCondition is false',
    });
  });

  it('refuses, with the reason, when the actorCondition fails at run time', () => {
    const decision = actorAllowed(policy({ actorCondition: "actor.environment == 'prod'" }), withActor);
    expect(decision).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/^policy deployer: actorCondition: .*environment/) as unknown,
    });
  });

  it('refuses a non-bool result at run time', () => {
    const decision = actorAllowed(policy({ actorCondition: 'actor.namespace' }), withActor);
    expect(decision).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('must evaluate to a bool, not string') as unknown,
    });
  });
});

describe('the actor variable', () => {
  it.each<[string, PolicyInput, string]>([
    ['is an empty map without an actor', subject, 'not_matched'],
    ['holds the actor identity with one', withActor, 'matched'],
  ])('%s', (_case, input, result) => {
    const decision = evaluatePolicies(
      [policy({ condition: "has(actor.subject) && actor.namespace == 'ci'" })],
      input,
    );
    expect(decision.evaluations[0]?.result).toBe(result);
  });

  it('is empty, not missing, without an actor: size(actor) is 0', () => {
    const decision = evaluatePolicies([policy({ condition: 'size(actor) == 0' })], subject);
    expect(decision.evaluations[0]?.result).toBe('matched');
  });
});
