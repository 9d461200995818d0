import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it.each([
    [
      'members in another order',
      { b: 1, a: { d: [1, { f: 1, e: 2 }], c: null } },
      { a: { c: null, d: [1, { e: 2, f: 1 }] }, b: 1 },
    ],
    [
      'a member named __proto__',
      JSON.parse('{"__proto__": 1, "a": 2}') as unknown,
      JSON.parse('{"a": 2, "__proto__": 1}') as unknown,
    ],
  ])('writes %s alike', (_case, a, b) => {
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it('keeps the order of arrays', () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });
});
