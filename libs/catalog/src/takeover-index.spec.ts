import { describe, expect, it } from 'vitest';
import {
  compilePolicy,
  mayBothHold,
  PolicySet,
  rankOrder,
  type CompiledPolicy,
  type PolicyMode,
} from '@fedbroker/policy';
import { TakeoverIndex, type RankedCondition } from './takeover-index';

const NOW = new Date('2030-01-01T00:00:00Z');

function compiled(
  name: string,
  condition: string,
  overrides: { priority?: number; enabled?: boolean; mode?: PolicyMode; expiresAt?: Date } = {},
): CompiledPolicy {
  return compilePolicy({
    name,
    condition,
    claims: {},
    audiences: ['https://api.example'],
    scopes: [],
    ttlSeconds: 60,
    priority: 0,
    enabled: true,
    mode: 'enforce',
    ...overrides,
  });
}

const STORED = [
  compiled('payments', "identity.namespace == 'payments'"),
  compiled('billing', "identity.namespace == 'billing'"),
  compiled('ops-uid', "identity.uid == 'u-1'"),
  compiled('audited', 'true', { mode: 'audit' }),
  compiled('disabled', 'true', { enabled: false }),
  compiled('expired', 'true', { expiresAt: NOW }),
  compiled('high', 'true', { priority: 9 }),
];

describe('TakeoverIndex', () => {
  const index = new TakeoverIndex(PolicySet.of(STORED), NOW);

  it.each<[string, RankedCondition, string[]]>([
    [
      'a policy pinned apart from all',
      compiled('new', "identity.namespace == 'web' && identity.uid == 'u-9'", { priority: 1 }),
      [],
    ],
    [
      'a policy overlapping one by its pin',
      compiled('new', "identity.namespace in ['payments', 'web']", { priority: 1 }),
      ['ops-uid', 'payments'],
    ],
    [
      'a policy of condition true',
      compiled('new', 'true', { priority: 1 }),
      ['billing', 'ops-uid', 'payments'],
    ],
    ['a policy ranked below all but by name', compiled('zzz', 'true'), []],
    ['a policy first by name at equal priority', compiled('aaa', 'true'), ['billing', 'ops-uid', 'payments']],
    ['an audit-mode policy', compiled('new', 'true', { priority: 1, mode: 'audit' }), []],
    ['a disabled policy', compiled('new', 'true', { priority: 1, enabled: false }), []],
    ['a policy of condition false', compiled('new', 'false', { priority: 1 }), []],
  ])('finds what %s takes', (_case, candidate, taken) => {
    expect(index.takenBy(candidate, undefined, 10)).toEqual(taken);
  });

  it('leaves out what the stored version of a replaced policy already took', () => {
    const before = compiled('payments', "identity.namespace == 'payments'", { priority: 1 });
    const after = compiled('payments', "identity.namespace in ['payments', 'billing']", { priority: 1 });
    expect(index.takenBy(after, before, 10)).toEqual(['billing']);
  });

  it('never names the stored version of the policy written, and goes on past it', () => {
    const after = compiled('billing', 'true');
    expect(index.takenBy(after, STORED[1], 10)).toEqual(['payments']);
  });

  it('names at most the limit, ranked', () => {
    expect(index.takenBy(compiled('new', 'true', { priority: 1 }), undefined, 2)).toEqual([
      'billing',
      'ops-uid',
    ]);
  });

  it('counts a policy that expires after the set was built as no longer granting', () => {
    const expiring = compiled('soon', "identity.namespace == 'payments'", {
      expiresAt: new Date(NOW.getTime() + 60_000),
    });
    const set = PolicySet.of([...STORED, expiring]);
    const candidate = compiled('new', "identity.namespace == 'payments'", { priority: 1 });
    expect(new TakeoverIndex(set, NOW).takenBy(candidate, undefined, 10)).toEqual([
      'ops-uid',
      'payments',
      'soon',
    ]);
    const later = new Date(NOW.getTime() + 120_000);
    expect(new TakeoverIndex(set, later).takenBy(candidate, undefined, 10)).toEqual(['ops-uid', 'payments']);
  });

  it('names what comparing every pair names, over generated policies', () => {
    const conditions = [
      'true',
      "identity.namespace == 'a'",
      "identity.namespace == 'b'",
      "identity.namespace in ['a', 'c']",
      "identity.serviceAccount == 'x'",
      "identity.namespace == 'a' && identity.serviceAccount == 'x'",
      "identity.namespace == 'b' && identity.serviceAccount in ['x', 'y']",
      "identity.serviceAccount == 'y' && identity.uid == 'u'",
      "identity.uid == 'u'",
      "identity.namespace.startsWith('a')",
    ];
    const modes: { enabled?: boolean; mode?: PolicyMode; expiresAt?: Date }[] = [
      {},
      {},
      {},
      { mode: 'audit' },
      { enabled: false },
      { expiresAt: NOW },
    ];
    const policies = Array.from({ length: 120 }, (_, i) =>
      compiled(`p${String(i).padStart(3, '0')}`, conditions[i % conditions.length] ?? 'true', {
        priority: i % 4,
        ...modes[i % modes.length],
      }),
    );
    const set = PolicySet.of(policies);
    const grants = (p: RankedCondition) =>
      p.definition.enabled && p.definition.mode !== 'audit' && p.definition.expiresAt === undefined;
    const takes = (p: RankedCondition, q: RankedCondition) =>
      rankOrder(p.definition, q.definition) < 0 && mayBothHold(p.facts, q.facts);
    for (const [i, condition] of conditions.entries()) {
      for (const priority of [0, 2, 5]) {
        const candidate = compiled(`p${String(i * 7).padStart(3, '0')}`, condition, { priority });
        const before = policies.find((p) => p.definition.name === candidate.definition.name);
        const expected = policies
          .filter((q) => grants(q) && q.definition.name !== candidate.definition.name)
          .filter((q) => takes(candidate, q))
          .filter((q) => before === undefined || !grants(before) || !takes(before, q))
          .sort((a, b) => rankOrder(a.definition, b.definition))
          .map((q) => q.definition.name);
        expect(new TakeoverIndex(set, NOW).takenBy(candidate, before, 1000)).toEqual(expected);
        expect(new TakeoverIndex(set, NOW).takenBy(candidate, before, 3)).toEqual(expected.slice(0, 3));
      }
    }
  });
});
