import type { CelInput } from '@bufbuild/cel';

const MAX_DEPTH = 32;

/**
 * Converts JSON-like data (verified claims, the normalized identity) to CEL input.
 *
 * Numbers: a safe integer (`Number.isSafeInteger`) becomes a CEL `int`, so `claims.exp > 100`
 * compares ints; any other number (fractional, beyond ±2^53−1, NaN, ±Infinity) becomes a CEL
 * `double`. CEL compares int and double across types (`1 == 1.0`), so the rule only shows in
 * arithmetic (`claims.exp + 1` is an int). A `bigint` stays an int.
 *
 * Objects become maps, arrays lists; strings, booleans and null are kept. Anything else
 * (`undefined`, functions, symbols, class instances) and anything nested deeper than 32 levels is
 * left out, so `has()` reports it absent.
 */
export function toCelValue(value: unknown): CelInput | undefined {
  return convert(value, 0);
}

/** Converts a JSON-like object to a CEL map, see {@link toCelValue}. */
export function toCelMap(object: Readonly<Record<string, unknown>>): ReadonlyMap<string, CelInput> {
  return convertObject(object, 0);
}

function convert(value: unknown, depth: number): CelInput | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'number':
      return Number.isSafeInteger(value) ? BigInt(value) : value;
    case 'object':
      if (value === null) return null;
      if (depth >= MAX_DEPTH) return undefined;
      if (Array.isArray(value)) return convertArray(value, depth + 1);
      return isPlainObject(value) ? convertObject(value, depth + 1) : undefined;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
}

function convertArray(array: readonly unknown[], depth: number): CelInput[] {
  const list: CelInput[] = [];
  for (const item of array) {
    const converted = convert(item, depth);
    if (converted !== undefined) list.push(converted);
  }
  return list;
}

function convertObject(object: object, depth: number): Map<string, CelInput> {
  const map = new Map<string, CelInput>();
  for (const [key, item] of Object.entries(object)) {
    const converted = convert(item, depth);
    if (converted !== undefined) map.set(key, converted);
  }
  return map;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
