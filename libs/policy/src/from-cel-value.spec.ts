import { celList, celMap, celUint, type CelInput } from '@bufbuild/cel';
import { describe, expect, it } from 'vitest';
import { fromCelValue } from './from-cel-value';

describe('fromCelValue', () => {
  it.each<[string, Parameters<typeof fromCelValue>[0], unknown]>([
    ['a string', 'x', 'x'],
    ['a bool', false, false],
    ['an int as a number', 42n, 42],
    ['a negative int', -3n, -3],
    ['a uint as a number', celUint(7n), 7],
    ['a double', 1.5, 1.5],
    ['null', null, null],
    ['a list', celList([1n, 'a', [true]]), [1, 'a', [true]]],
    [
      'a map',
      celMap(
        new Map<string, CelInput>([
          ['a', 1n],
          ['b', new Map([['c', 2.5]])],
        ]),
      ),
      { a: 1, b: { c: 2.5 } },
    ],
  ])('converts %s', (_case, value, expected) => {
    expect(fromCelValue(value)).toEqual(expected);
  });

  it.each<[string, Parameters<typeof fromCelValue>[0], RegExp]>([
    ['an int beyond 2^53', 2n ** 60n, /beyond the safe JSON range/],
    ['a uint beyond 2^53', celUint(2n ** 64n - 1n), /beyond the safe JSON range/],
    ['Infinity', Number.POSITIVE_INFINITY, /Infinity is not a JSON number/],
    ['NaN', Number.NaN, /NaN is not a JSON number/],
    ['bytes', new Uint8Array([1]), /bytes has no JSON form/],
    ['a map with a bool key', celMap(new Map([[true, 'x']])), /map key true is not a string/],
    ['a nested invalid value', celList(['a', new Uint8Array([1])]), /bytes has no JSON form/],
  ])('refuses %s', (_case, value, message) => {
    expect(() => fromCelValue(value)).toThrow(message);
  });
});
