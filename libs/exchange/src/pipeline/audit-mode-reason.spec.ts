import { describe, expect, it } from 'vitest';
import { auditModeReason } from './audit-mode-reason';

describe('auditModeReason', () => {
  it.each([
    ['no audit-mode policy', undefined, undefined],
    ['an empty list', [], undefined],
    [
      'verdicts, ranked',
      [
        { policy: 'v2', verdict: 'would_grant', reason: 'subject k8s:payments' },
        { policy: 'v3', verdict: 'no_match', reason: 'condition is false' },
      ] as const,
      'audit-mode: v2=would_grant (subject k8s:payments), v3=no_match (condition is false)',
    ],
    [
      'a verdict without a reason',
      [{ policy: 'v2', verdict: 'outranked' }] as const,
      'audit-mode: v2=outranked',
    ],
  ])('records %s', (_case, verdicts, expected) => {
    expect(auditModeReason(verdicts)).toBe(expected);
  });

  it('names the first ranked verdicts of many and counts the rest, each reason bounded', () => {
    const verdicts = Array.from({ length: 25 }, (_, i) => ({
      policy: `shadow-${String(i).padStart(2, '0')}`,
      verdict: 'no_match' as const,
      reason: `condition: ${'x'.repeat(10_000)}`,
    }));
    const reason = auditModeReason(verdicts) ?? '';
    expect(reason).toMatch(/^audit-mode: shadow-00=no_match \(condition: x+…\), shadow-01=/);
    expect(reason).not.toContain('shadow-10=');
    expect(reason.endsWith(', and 15 more')).toBe(true);
    expect(reason.length).toBeLessThan(2500);
  });
});
