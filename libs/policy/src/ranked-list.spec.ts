import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CompiledPolicy } from './compile-policy';
import { byRank } from './evaluate-policies';
import { editedList, mergeRanked } from './ranked-list';

/** Only what ranking reads: priority, then name. */
function ranked(name: string, priority: number): CompiledPolicy {
  return { definition: { name, priority } } as CompiledPolicy;
}

const policies = fc
  .uniqueArray(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.string({ maxLength: 4 })), {
    selector: ([, name]) => name,
    maxLength: 60,
  })
  .map((pairs) => pairs.map(([priority, name]) => ranked(name, priority)));

describe('editedList', () => {
  it('is the list without the removed and with the added policies, in rank order, for few or many changes', () => {
    fc.assert(
      fc.property(policies, fc.array(fc.boolean(), { maxLength: 60 }), fc.nat(60), (all, removing, kept) => {
        const before = all.slice(0, kept).sort(byRank);
        const removed = before.filter((_, i) => removing[i] === true);
        const added = all.slice(kept);
        const expected = [...before.filter((p) => !removed.includes(p)), ...added].sort(byRank);
        expect(editedList(before, removed, added)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('mergeRanked', () => {
  it('merges ranked lists into one, a policy in several lists kept once', () => {
    fc.assert(
      fc.property(policies, fc.array(fc.integer({ min: 1, max: 15 }), { maxLength: 60 }), (all, masks) => {
        const sorted = [...all].sort(byRank);
        // policy i is in list n when bit n of its mask is set: in one list or several
        const parts = [0, 1, 2, 3].map((n) => sorted.filter((_, i) => ((masks[i] ?? 1) >> n) & 1));
        expect(mergeRanked(parts)).toEqual(sorted);
      }),
      { numRuns: 300 },
    );
  });
});
