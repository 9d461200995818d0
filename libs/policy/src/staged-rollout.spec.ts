import { describe, expect, it } from 'vitest';
import { compilePolicy, type CompiledPolicy } from './compile-policy';
import { evaluatePolicies } from './evaluate-policies';
import type { PolicyDefinition, PolicyInput } from './policy.types';

function policy(overrides: Partial<PolicyDefinition>): CompiledPolicy {
  return compilePolicy({
    name: 'p',
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

const input: PolicyInput = {
  claims: {},
  identity: {
    platform: 'cluster',
    subject: 'system:serviceaccount:payments:deployer',
    namespace: 'payments',
  },
  request: { audience: [], scopes: [], grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer' },
};

const NOW = new Date('2030-01-01T00:00:00Z');

describe('evaluatePolicies: audit mode', () => {
  it('never grants with an audit-mode policy, even the only one that matches', () => {
    const decision = evaluatePolicies([policy({ name: 'shadow', mode: 'audit' })], input, NOW);
    expect(decision.match).toBeUndefined();
    expect(decision.evaluations).toEqual([
      { policy: 'shadow', priority: 0, mode: 'audit', result: 'matched' },
    ]);
    expect(decision.auditMode).toEqual([
      {
        policy: 'shadow',
        verdict: 'would_grant',
        reason: 'subject cluster:system:serviceaccount:payments:deployer',
      },
    ]);
  });

  it('lets the enforced policy below an audit-mode one decide', () => {
    const decision = evaluatePolicies(
      [policy({ name: 'shadow', mode: 'audit', priority: 5 }), policy({ name: 'live' })],
      input,
      NOW,
    );
    expect(decision.match?.policy).toBe('live');
    expect(decision.auditMode).toEqual([
      expect.objectContaining({ policy: 'shadow', verdict: 'would_grant' }),
    ]);
  });

  it.each<[string, Partial<PolicyDefinition>, string, RegExp]>([
    ['ranks below the deciding policy', { priority: -1 }, 'outranked', /policy live decides/],
    ['does not match', { condition: "identity.namespace == 'billing'" }, 'no_match', /condition is false/],
    ['fails its condition', { condition: "identity.environment == 'prod'" }, 'error', /environment/],
    ['fails its subject', { priority: 5, subject: 'identity.environment' }, 'would_fail', /^subject: /],
    [
      'has expired',
      { expiresAt: new Date('2029-12-31T23:59:59Z') },
      'expired',
      /expired at 2029-12-31T23:59:59/,
    ],
  ])('records an audit-mode policy that %s as %s', (_case, overrides, verdict, reason) => {
    const decision = evaluatePolicies(
      [policy({ name: 'shadow', mode: 'audit', ...overrides }), policy({ name: 'live' })],
      input,
      NOW,
    );
    expect(decision.match?.policy).toBe('live');
    expect(decision.auditMode).toEqual([
      { policy: 'shadow', verdict, reason: expect.stringMatching(reason) as unknown },
    ]);
  });

  it('skips disabled audit-mode policies', () => {
    const decision = evaluatePolicies(
      [policy({ name: 'shadow', mode: 'audit', enabled: false })],
      input,
      NOW,
    );
    expect(decision.auditMode).toEqual([]);
  });
});

describe('evaluatePolicies: expiresAt', () => {
  it.each<[string, Date, string]>([
    ['a second after', new Date('2030-01-01T00:00:01Z'), 'matched'],
    ['at the instant', NOW, 'expired'],
    ['a second before', new Date('2029-12-31T23:59:59Z'), 'expired'],
  ])('reports a policy expiring %s the request time as %s', (_case, expiresAt, result) => {
    const decision = evaluatePolicies([policy({ name: 'temp', expiresAt })], input, NOW);
    expect(decision.evaluations[0]?.result).toBe(result);
    expect(decision.match?.policy).toBe(result === 'matched' ? 'temp' : undefined);
  });

  it('lets a lower policy grant once a higher one has expired', () => {
    const policies = [
      policy({ name: 'break-glass', priority: 9, expiresAt: new Date('2030-01-01T00:30:00Z') }),
      policy({ name: 'normal' }),
    ];
    expect(evaluatePolicies(policies, input, NOW).match?.policy).toBe('break-glass');
    expect(evaluatePolicies(policies, input, new Date('2030-01-01T00:30:00Z')).match?.policy).toBe('normal');
  });
});
