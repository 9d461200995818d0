import { describe, expect, it } from 'vitest';
import type { PolicyEvaluation } from '@fedbroker/policy';
import { MAX_REASON_LENGTH } from '../exchange.error';
import { MAX_POLICIES_IN_REASON, noPolicyMatched } from './no-policy-matched';

/** How an enforced policy of default priority begins its evaluation. */
const ENFORCED = { priority: 0, mode: 'enforce' } as const;

describe('noPolicyMatched', () => {
  it('says so when the platform has no policy', () => {
    expect(noPolicyMatched([])).toBe('the platform has no policy');
  });

  it('tallies the results and names each policy with its reason, in rank order', () => {
    const evaluations: PolicyEvaluation[] = [
      { ...ENFORCED, policy: 'b', result: 'not_matched', reason: 'condition is false' },
      { ...ENFORCED, policy: 'a', result: 'error', reason: 'condition: no such key: namespace' },
      { ...ENFORCED, policy: 'c', result: 'disabled', reason: 'policy is disabled' },
    ];
    expect(noPolicyMatched(evaluations)).toBe(
      'no policy matched (3 evaluated: 1 not_matched, 1 error, 1 disabled); b: not_matched (condition is false); ' +
        'a: error (condition: no such key: namespace); c: disabled (policy is disabled)',
    );
  });

  it('names the first ranked policies of 10,000 and counts the rest, in a few KiB', () => {
    const evaluations = Array.from({ length: 10_000 }, (_, i): PolicyEvaluation => ({
      ...ENFORCED,
      policy: `policy-${String(i).padStart(5, '0')}`,
      result: i === 9_999 ? 'error' : 'not_matched',
      reason: i === 9_999 ? 'condition: no such key' : 'condition is false',
    }));
    const reason = noPolicyMatched(evaluations);
    expect(reason).toMatch(
      /^no policy matched \(10000 evaluated: 9999 not_matched, 1 error\); policy-00000: /,
    );
    expect(reason).toContain(`policy-0000${MAX_POLICIES_IN_REASON - 1}: not_matched`);
    expect(reason).not.toContain(`policy-000${MAX_POLICIES_IN_REASON}:`);
    expect(reason.endsWith('; and 9990 more')).toBe(true);
    expect(reason.length).toBeLessThan(MAX_REASON_LENGTH);
  });

  it('bounds each policy reason (a CEL error may quote a huge value)', () => {
    const reason = noPolicyMatched([
      { ...ENFORCED, policy: 'p', result: 'error', reason: `condition: ${'x'.repeat(100_000)}` },
    ]);
    expect(reason.length).toBeLessThan(400);
  });

  it('leaves audit-mode policies to their own part of the reason', () => {
    const audited = { priority: 5, mode: 'audit' } as const;
    expect(noPolicyMatched([{ ...audited, policy: 'shadow', result: 'matched' }])).toBe(
      'the platform has no policy in enforce mode',
    );
    expect(
      noPolicyMatched([
        { ...audited, policy: 'shadow', result: 'matched' },
        { ...ENFORCED, policy: 'live', result: 'not_matched', reason: 'condition is false' },
      ]),
    ).toBe('no policy matched (1 evaluated: 1 not_matched); live: not_matched (condition is false)');
  });

  describe('with the tally of a platform policy index', () => {
    it('counts the policies the index ruled out beside those evaluated', () => {
      const evaluations: PolicyEvaluation[] = [
        { ...ENFORCED, policy: 'open', result: 'not_matched', reason: 'condition is false' },
      ];
      expect(noPolicyMatched(evaluations, { policies: 10_001, enforced: 10_001, ruledOut: 10_000 })).toBe(
        'no policy matched (1 evaluated: 1 not_matched; 10000 ruled out by the index); open: not_matched (condition is false); and 10000 more',
      );
    });

    it('says when the index ruled out every policy, so none was evaluated', () => {
      expect(noPolicyMatched([], { policies: 10_000, enforced: 10_000, ruledOut: 10_000 })).toBe(
        'no policy matched (0 evaluated; 10000 ruled out by the index)',
      );
    });

    it('names the first ruled-out policies with their pins after the evaluated ones, up to ten', () => {
      const evaluations: PolicyEvaluation[] = [
        { ...ENFORCED, policy: 'open', result: 'error', reason: 'condition: no such key: environment' },
      ];
      const ruledOutFirst = Array.from({ length: 10 }, (_, i) => ({
        policy: `team-${i}`,
        reason: i === 0 ? 'identity.environment is absent' : 'pins identity.namespace to other values',
      }));
      const reason = noPolicyMatched(evaluations, {
        policies: 3_001,
        enforced: 3_001,
        ruledOut: 3_000,
        ruledOutFirst,
      });
      expect(reason).toBe(
        'no policy matched (1 evaluated: 1 error; 3000 ruled out by the index); ' +
          'open: error (condition: no such key: environment); team-0: ruled out (identity.environment is absent); ' +
          Array.from(
            { length: 8 },
            (_, i) => `team-${i + 1}: ruled out (pins identity.namespace to other values)`,
          ).join('; ') +
          '; and 2991 more',
      );
    });

    it('tells a platform without policies from one whose policies were all ruled out', () => {
      expect(noPolicyMatched([], { policies: 0, enforced: 0, ruledOut: 0 })).toBe(
        'the platform has no policy',
      );
      expect(noPolicyMatched([], { policies: 3, enforced: 0, ruledOut: 0 })).toBe(
        'the platform has no policy in enforce mode',
      );
    });

    it('stays bounded with thousands evaluated and ruled out', () => {
      const evaluations = Array.from({ length: 5_000 }, (_, i): PolicyEvaluation => ({
        ...ENFORCED,
        policy: `open-${i}`,
        result: 'error',
        reason: `condition: ${'x'.repeat(1_000)}`,
      }));
      const reason = noPolicyMatched(evaluations, { policies: 10_000, enforced: 10_000, ruledOut: 5_000 });
      expect(reason).toMatch(
        /^no policy matched \(5000 evaluated: 5000 error; 5000 ruled out by the index\); /,
      );
      expect(reason.endsWith('; and 9990 more')).toBe(true);
      expect(reason.length).toBeLessThan(MAX_REASON_LENGTH);
    });
  });
});
