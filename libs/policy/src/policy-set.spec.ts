import { describe, expect, it } from 'vitest';
import { compilePolicy, type CompiledPolicy } from './compile-policy';
import { evaluatePolicies } from './evaluate-policies';
import { PolicySet } from './policy-set';
import type { PolicyDefinition, PolicyInput } from './policy.types';

const NOW = new Date('2030-01-01T00:00:00Z');

function policy(name: string, overrides: Partial<PolicyDefinition> = {}): CompiledPolicy {
  return compilePolicy({
    name,
    condition: 'true',
    claims: {},
    audiences: ['https://api.example'],
    scopes: [],
    ttlSeconds: 900,
    priority: 0,
    enabled: true,
    ...overrides,
  });
}

function input(identity: Record<string, unknown>): PolicyInput {
  return {
    claims: {},
    identity: { platform: 'cluster', subject: 'system:serviceaccount:payments:deployer', ...identity },
    request: { audience: [], scopes: [], grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer' },
  };
}

/** One policy per namespace `team-0` … `team-<n-1>`, all at priority 0. */
function teams(count: number): CompiledPolicy[] {
  return Array.from({ length: count }, (_, i) =>
    policy(`team-${String(i).padStart(4, '0')}`, { condition: `identity.namespace == 'team-${i}'` }),
  );
}

describe('PolicySet', () => {
  it('ranks the policies once, highest priority first, then by name', () => {
    const set = PolicySet.of([policy('b'), policy('a'), policy('z', { priority: 3 })]);
    expect(set.ranked.map((p) => p.definition.name)).toEqual(['z', 'a', 'b']);
  });

  it('evaluates only the policies pinned to the identity value and the unpinned ones', () => {
    const set = PolicySet.of([
      ...teams(1000),
      policy('catch-all', { condition: "identity.namespace != ''", priority: -1 }),
    ]);
    const decision = set.decide(input({ namespace: 'team-512' }), NOW);
    expect(decision.match?.policy).toBe('team-0512');
    expect(decision.evaluations.map((e) => e.policy)).toEqual(['team-0512']);
    expect(decision.ruledOut).toBe(999);
  });

  it('names, on a denial, the first ten ranked policies the index ruled out', () => {
    const set = PolicySet.of([
      ...teams(1000),
      policy('open', { condition: "identity.namespace == 'x' || false" }),
    ]);
    const decision = set.decide(input({ namespace: 'web' }), NOW);
    expect(decision.evaluations.map((e) => e.policy)).toEqual(['open']);
    expect(decision.ruledOutFirst).toEqual(
      Array.from({ length: 10 }, (_, i) => ({
        policy: `team-000${i}`,
        reason: 'pins identity.namespace to other values',
      })),
    );
  });

  it('stops at the first enforced match: lower-ranked candidates are not evaluated', () => {
    const set = PolicySet.of([
      policy('first', { priority: 2 }),
      policy('second', { priority: 1 }),
      policy('third'),
    ]);
    const decision = set.decide(input({}), NOW);
    expect(decision.match?.policy).toBe('first');
    expect(decision.winner?.definition.name).toBe('first');
    expect(decision.evaluations.map((e) => e.policy)).toEqual(['first']);
  });

  it('never lets a lower-ranked policy stand in for a higher one whose subject fails', () => {
    const set = PolicySet.of([
      policy('broken', { priority: 1, subject: 'identity.environment' }),
      policy('fallback'),
    ]);
    const decision = set.decide(input({}), NOW);
    expect(decision.match).toBeUndefined();
    expect(decision.evaluations).toEqual([
      expect.objectContaining({
        policy: 'broken',
        result: 'error',
        reason: expect.stringMatching(/^subject: /) as unknown,
      }),
    ]);
  });

  it('rules out every policy pinned on a field the identity lacks', () => {
    const set = PolicySet.of([policy('prod', { condition: "identity.environment == 'prod'" })]);
    const decision = set.decide(input({}), NOW);
    expect(decision).toMatchObject({
      evaluations: [],
      ruledOut: 1,
      ruledOutFirst: [{ policy: 'prod', reason: 'identity.environment is absent' }],
    });
    expect(decision.match).toBeUndefined();
  });

  it('keeps every policy pinned on a field whose value cannot be keyed a candidate', () => {
    const set = PolicySet.of(teams(3));
    expect(set.candidates({ namespace: ['team-1'] }).policies).toHaveLength(3);
    expect(set.candidates({ namespace: 1.5 }).policies).toHaveLength(3);
    expect(set.candidates({ namespace: 'team-1' }).policies).toHaveLength(1);
  });

  it('finds a policy pinned with 1u for an identity holding the number 1', () => {
    const set = PolicySet.of([policy('uid', { condition: 'identity.uid == 1u' })]);
    expect(set.decide(input({ uid: 1 }), NOW).match?.policy).toBe('uid');
    expect(set.decide(input({ uid: '1' }), NOW).match).toBeUndefined();
  });

  it('places a policy on its rarest pin, so a pin every policy shares does not gather them all', () => {
    const policies = Array.from({ length: 50 }, (_, i) =>
      policy(`p${i}`, {
        condition: `identity.serviceAccount == 'deployer' && identity.namespace == 'ns-${i}'`,
      }),
    );
    const set = PolicySet.of(policies);
    expect(set.candidates({ serviceAccount: 'deployer', namespace: 'ns-7' }).policies).toHaveLength(1);
  });

  it('merges candidates from several fields and the unplaced policies in rank order', () => {
    const set = PolicySet.of([
      policy('ns', { condition: "identity.namespace == 'payments'", priority: 1 }),
      policy('sa', { condition: "identity.serviceAccount == 'deployer'", priority: 3 }),
      policy('open', { condition: "identity.namespace.startsWith('pay')", priority: 2 }),
      policy('other', { condition: "identity.namespace == 'billing'", priority: 4 }),
    ]);
    const { policies } = set.candidates({ namespace: 'payments', serviceAccount: 'deployer' });
    expect(policies.map((policy) => policy.definition.name)).toEqual(['sa', 'open', 'ns']);
  });

  describe('audit-mode policies', () => {
    const shadow = policy('shadow', {
      mode: 'audit',
      condition: "identity.namespace == 'payments'",
      priority: 1,
    });

    it('records one the index rules out by its pin as no_match, as the full evaluation does', () => {
      const policies = [shadow, policy('live')];
      const decision = PolicySet.of(policies).decide(input({ namespace: 'billing' }), NOW);
      expect(decision.evaluations.map((e) => e.policy)).toEqual(['live']);
      expect(decision.auditMode).toEqual([
        { policy: 'shadow', verdict: 'no_match', reason: 'condition is false' },
      ]);
      expect(decision.auditMode).toEqual(
        evaluatePolicies(policies, input({ namespace: 'billing' }), NOW).auditMode,
      );
    });

    it('evaluates one pinned on a field the identity lacks, for its exact verdict', () => {
      const policies = [shadow, policy('live')];
      const decision = PolicySet.of(policies).decide(input({}), NOW);
      expect(decision.auditMode).toEqual([
        { policy: 'shadow', verdict: 'error', reason: expect.stringMatching(/namespace/) as unknown },
      ]);
    });

    it('records one ranked below the winner that matches as outranked', () => {
      const policies = [policy('live', { priority: 5 }), shadow];
      const decision = PolicySet.of(policies).decide(input({ namespace: 'payments' }), NOW);
      expect(decision.match?.policy).toBe('live');
      expect(decision.auditMode).toEqual([
        { policy: 'shadow', verdict: 'outranked', reason: 'policy live decides' },
      ]);
    });

    it('records an expired one as expired even when the index rules it out', () => {
      const expired = policy('old', {
        mode: 'audit',
        condition: "identity.namespace == 'x'",
        expiresAt: new Date('2029-01-01T00:00:00Z'),
      });
      expect(PolicySet.of([expired]).decide(input({ namespace: 'payments' }), NOW).auditMode).toEqual([
        { policy: 'old', verdict: 'expired', reason: 'expired at 2029-01-01T00:00:00.000Z' },
      ]);
    });
  });

  it('lists every policy, ranked, in the exhaustive evaluation explain uses', () => {
    const set = PolicySet.of(teams(20));
    const all = set.evaluateAll(input({ namespace: 'team-3' }), NOW);
    expect(all.evaluations).toHaveLength(20);
    expect(all).toMatchObject({ ruledOut: 0, match: { policy: 'team-0003' } });
    expect(all.winner?.definition.name).toBe('team-0003');
  });
});
