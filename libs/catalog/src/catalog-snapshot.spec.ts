import { describe, expect, it } from 'vitest';
import { compilePolicy, type CompiledPolicy } from '@fedbroker/policy';
import { CatalogSnapshot } from './catalog-snapshot';

function policy(name: string): CompiledPolicy {
  return compilePolicy({
    name,
    condition: `identity.namespace == '${name}'`,
    claims: {},
    audiences: ['https://api.example'],
    scopes: [],
    ttlSeconds: 900,
    priority: 0,
    enabled: true,
  });
}

function snapshot(
  version: number,
  policies: Map<string, readonly CompiledPolicy[]>,
  previous?: CatalogSnapshot,
): CatalogSnapshot {
  return new CatalogSnapshot(version, [], policies, new Map(), previous);
}

describe('CatalogSnapshot.policySetFor', () => {
  it('builds a platform policy set once, on first use', () => {
    const first = snapshot(1, new Map([['p1', [policy('a'), policy('b')]]]));
    const set = first.policySetFor('p1');
    expect(set.ranked.map((p) => p.definition.name)).toEqual(['a', 'b']);
    expect(first.policySetFor('p1')).toBe(set);
    expect(first.policySetFor('unknown').size).toBe(0);
  });

  it("keeps the previous snapshot's set for a platform whose policy list is the same array, and only then", () => {
    const unchanged = [policy('a')];
    const changed = [policy('b')];
    const before = snapshot(
      1,
      new Map([
        ['same', unchanged],
        ['edited', changed],
      ]),
    );
    const kept = before.policySetFor('same');
    const replaced = before.policySetFor('edited');
    const after = snapshot(
      2,
      new Map([
        ['same', unchanged],
        ['edited', [...changed, policy('c')]],
      ]),
      before,
    );
    expect(after.policySetFor('same')).toBe(kept);
    expect(after.policySetFor('edited')).not.toBe(replaced);
    expect(after.policySetFor('edited').size).toBe(2);
  });
});
