import * as cel from '@bufbuild/cel';
import { describe, expect, it, vi } from 'vitest';
import { compilePolicy } from './compile-policy';
import { evaluatePolicies } from './evaluate-policies';

vi.mock('@bufbuild/cel', async (importOriginal) => {
  const original = await importOriginal<typeof import('@bufbuild/cel')>();
  return { ...original, parse: vi.fn(original.parse), plan: vi.fn(original.plan) };
});

describe('compile once, evaluate many', () => {
  it('parses and plans at compile time only', () => {
    const compiled = compilePolicy({
      name: 'p',
      condition: "identity.namespace == 'payments'",
      subject: "'k8s:' + identity.namespace",
      claims: { ns: 'identity.namespace' },
      audiences: [],
      scopes: [],
      ttlSeconds: 60,
      priority: 0,
      enabled: true,
    });
    const parses = vi.mocked(cel.parse).mock.calls.length;
    const plans = vi.mocked(cel.plan).mock.calls.length;
    expect(parses).toBe(3);
    expect(plans).toBe(3);

    for (let n = 0; n < 100; n++) {
      const decision = evaluatePolicies([compiled], {
        claims: { n },
        identity: { namespace: 'payments' },
        request: { audience: [], scopes: [], grantType: 'x' },
      });
      expect(decision.match?.subject).toBe('k8s:payments');
    }
    expect(vi.mocked(cel.parse).mock.calls).toHaveLength(parses);
    expect(vi.mocked(cel.plan).mock.calls).toHaveLength(plans);
  });
});
