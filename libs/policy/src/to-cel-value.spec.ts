import { describe, expect, it } from 'vitest';
import { toCelMap, toCelValue } from './to-cel-value';

describe('toCelValue', () => {
  it.each<[string, unknown, unknown]>([
    ['a safe integer as int', 42, 42n],
    ['zero as int', 0, 0n],
    ['a negative integer as int', -7, -7n],
    ['an integer-valued double as int', 2.0, 2n],
    ['the largest safe integer as int', Number.MAX_SAFE_INTEGER, BigInt(Number.MAX_SAFE_INTEGER)],
    ['an integer beyond 2^53 as double', 2 ** 60, 2 ** 60],
    ['a fraction as double', 0.5, 0.5],
    ['NaN as double', Number.NaN, Number.NaN],
    ['a bigint as int', 5n, 5n],
    ['a string', 'x', 'x'],
    ['a boolean', true, true],
    ['null', null, null],
    ['undefined as absent', undefined, undefined],
    ['a function as absent', () => 1, undefined],
    ['a class instance as absent', new Date(0), undefined],
    ['an array as a list, absent items left out', [1, 'a', undefined, 1.5], [1n, 'a', 1.5]],
    [
      'an object as a map',
      { a: 1, b: { c: [2] } },
      new Map<string, unknown>([
        ['a', 1n],
        ['b', new Map([['c', [2n]]])],
      ]),
    ],
    [
      'a null-prototype object as a map',
      Object.assign(Object.create(null) as object, { a: 'x' }),
      new Map([['a', 'x']]),
    ],
  ])('converts %s', (_case, value, expected) => {
    expect(toCelValue(value)).toEqual(expected);
  });

  it('leaves out undefined fields so has() reports them absent', () => {
    expect([...toCelMap({ a: 'x', b: undefined }).keys()]).toEqual(['a']);
  });

  it('keeps a __proto__ key as data', () => {
    const parsed = JSON.parse('{"__proto__": {"admin": true}}') as Record<string, unknown>;
    expect(toCelMap(parsed).get('__proto__')).toEqual(new Map([['admin', true]]));
  });

  it('stops at 32 levels of nesting', () => {
    let value: Record<string, unknown> = { leaf: 1 };
    for (let level = 0; level < 40; level++) value = { child: value };
    let depth = 0;
    let map = toCelMap(value);
    while (map.get('child') instanceof Map) {
      map = map.get('child') as Map<string, never>;
      depth++;
    }
    expect(depth).toBe(32);
  });
});
