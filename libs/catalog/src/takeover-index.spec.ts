import { describe, expect, it } from 'vitest';
import { conditionFactsOf, type PolicyMode } from '@fedbroker/policy';
import { TakeoverIndex, type RankedCondition } from './takeover-index';

const NOW = new Date('2030-01-01T00:00:00Z');

function ranked(
  name: string,
  condition: string,
  overrides: { priority?: number; enabled?: boolean; mode?: PolicyMode; expiresAt?: Date } = {},
): RankedCondition {
  const facts = conditionFactsOf(condition);
  if (facts === undefined) throw new Error(`${condition} does not parse`);
  return { definition: { name, priority: 0, enabled: true, mode: 'enforce', ...overrides }, facts };
}

const STORED = [
  ranked('payments', "identity.namespace == 'payments'"),
  ranked('billing', "identity.namespace == 'billing'"),
  ranked('ops-uid', "identity.uid == 'u-1'"),
  ranked('audited', 'true', { mode: 'audit' }),
  ranked('disabled', 'true', { enabled: false }),
  ranked('expired', 'true', { expiresAt: NOW }),
  ranked('high', 'true', { priority: 9 }),
];

describe('TakeoverIndex', () => {
  const index = new TakeoverIndex(STORED, NOW);

  it.each<[string, RankedCondition, string[]]>([
    [
      'a policy pinned apart from all',
      ranked('new', "identity.namespace == 'web' && identity.uid == 'u-9'", { priority: 1 }),
      [],
    ],
    [
      'a policy overlapping one by its pin',
      ranked('new', "identity.namespace in ['payments', 'web']", { priority: 1 }),
      ['ops-uid', 'payments'],
    ],
    [
      'a policy of condition true',
      ranked('new', 'true', { priority: 1 }),
      ['billing', 'ops-uid', 'payments'],
    ],
    ['a policy ranked below all but by name', ranked('zzz', 'true'), []],
    ['a policy first by name at equal priority', ranked('aaa', 'true'), ['billing', 'ops-uid', 'payments']],
    ['an audit-mode policy', ranked('new', 'true', { priority: 1, mode: 'audit' }), []],
    ['a disabled policy', ranked('new', 'true', { priority: 1, enabled: false }), []],
    ['a policy of condition false', ranked('new', 'false', { priority: 1 }), []],
  ])('finds what %s takes', (_case, candidate, taken) => {
    expect(index.takenBy(candidate, undefined, 10)).toEqual(taken);
  });

  it('leaves out what the stored version of a replaced policy already took', () => {
    const before = ranked('payments', "identity.namespace == 'payments'", { priority: 1 });
    const after = ranked('payments', "identity.namespace in ['payments', 'billing']", { priority: 1 });
    expect(index.takenBy(after, before, 10)).toEqual(['billing']);
  });

  it('names at most the limit, ranked', () => {
    expect(index.takenBy(ranked('new', 'true', { priority: 1 }), undefined, 2)).toEqual([
      'billing',
      'ops-uid',
    ]);
  });

  it('finds the stored policy of a name, granting today or not', () => {
    expect(index.named('disabled')?.definition.enabled).toBe(false);
    expect(index.named('nobody')).toBeUndefined();
  });
});
