import * as cel from '@bufbuild/cel';
import { describe, expect, it, vi } from 'vitest';
import { compilePolicy } from './compile-policy';
import { evaluatePolicies } from './evaluate-policies';
import { PLANNED_PROGRAMS } from './planned-program';
import { PolicyCompileError } from './policy-compile.error';
import type { PolicyDefinition, PolicyInput } from './policy.types';

vi.mock('@bufbuild/cel', async (importOriginal) => {
  const original = await importOriginal<typeof import('@bufbuild/cel')>();
  return { ...original, parse: vi.fn(original.parse), plan: vi.fn(original.plan) };
});

const NOW = new Date('2030-01-01T00:00:00Z');

function definition(overrides: Partial<PolicyDefinition> = {}): PolicyDefinition {
  return {
    name: 'payments',
    condition: "identity.namespace == 'payments' && identity.serviceAccount.startsWith('deploy')",
    subject: "'k8s:' + identity.namespace + ':' + identity.serviceAccount",
    claims: { level: 'claims.level', team: "identity.namespace + '-team'" },
    audiences: ['https://api.example'],
    scopes: ['read'],
    ttlSeconds: 600,
    priority: 0,
    enabled: true,
    ...overrides,
  };
}

function input(identity: Record<string, unknown>): PolicyInput {
  return {
    claims: { level: 3 },
    identity: { platform: 'prod', subject: 'system:serviceaccount:x:y', ...identity },
    request: { audience: [], scopes: [], grantType: 'urn:ietf:params:oauth:grant-type:token-exchange' },
  };
}

/** Identities that match, do not match, and fail the condition or a claim. */
const INPUTS: PolicyInput[] = [
  input({ namespace: 'payments', serviceAccount: 'deployer' }),
  input({ namespace: 'payments', serviceAccount: 'reader' }),
  input({ namespace: 'billing', serviceAccount: 'deployer' }),
  input({ namespace: 'payments' }),
  input({ namespace: 'payments', serviceAccount: 7 }),
  { ...input({ namespace: 'payments', serviceAccount: 'deployer' }), claims: {} },
];

/** Plans {@link PLANNED_PROGRAMS} other expressions, which pushes every earlier plan out of the cache. */
function evictEveryPlan(): void {
  for (let i = 0; i < PLANNED_PROGRAMS; i++) {
    compilePolicy(
      definition({ name: `other-${i}`, condition: `identity.n == ${i}`, subject: undefined, claims: {} }),
    );
  }
}

describe('planned programs', () => {
  it('decides the same once its plans were evicted and made again', () => {
    const policies = [
      compilePolicy(definition()),
      compilePolicy(definition({ name: 'fallback', condition: 'has(identity.namespace)', priority: -1 })),
    ];
    const before = INPUTS.map((each) => evaluatePolicies(policies, each, NOW));
    expect(before.map((decision) => decision.match?.policy)).toEqual([
      'payments',
      'fallback',
      'fallback',
      undefined,
      undefined,
      undefined,
    ]);

    evictEveryPlan();
    const after = INPUTS.map((each) => evaluatePolicies(policies, each, NOW));

    expect(after).toEqual(before);
  });

  it('plans an evicted expression again from its encoded tree, without parsing its source', () => {
    const policy = compilePolicy(definition({ claims: {} }));
    evictEveryPlan();
    const parses = vi.mocked(cel.parse).mock.calls.length;
    const plans = vi.mocked(cel.plan).mock.calls.length;

    for (let n = 0; n < 10; n++) {
      expect(evaluatePolicies([policy], INPUTS[0] as PolicyInput, NOW).match?.subject).toBe(
        'k8s:payments:deployer',
      );
    }

    expect(vi.mocked(cel.parse).mock.calls).toHaveLength(parses);
    expect(vi.mocked(cel.plan).mock.calls).toHaveLength(plans + 2);
  });

  it('gives policies with the same expression one program', () => {
    const a = compilePolicy(definition({ name: 'a' }));
    const b = compilePolicy(definition({ name: 'b', condition: "identity.namespace == 'billing'" }));

    expect(b.subject).toBe(a.subject);
    expect(b.claims).toEqual(a.claims);
    expect(b.condition).not.toBe(a.condition);
  });

  it.each([
    ['an unknown function', 'identity.namespace.frobnicate()'],
    ['an invalid regular expression', "identity.namespace.matches('(')"],
    ['a constant that fails', '1 / 0 == 1'],
    ['a result of the wrong type', "'yes'"],
  ])('still refuses %s when the policy is compiled, not when it is first run', (_, condition) => {
    expect(() => compilePolicy(definition({ condition }))).toThrow(PolicyCompileError);
  });
});
