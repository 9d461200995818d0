import { celType, isCelList, isCelMap, isCelUint, type CelValue } from '@bufbuild/cel';

/** A value that survives `JSON.stringify` unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Converts a CEL result back to plain JSON for a token claim: int and uint become numbers (an error
 * beyond ±2^53−1, where a number would silently lose precision), a double must be finite, lists
 * become arrays, maps objects (string keys only). Bytes, timestamps, durations, types and messages
 * have no JSON form and are refused.
 *
 * @throws TypeError naming the offending CEL type.
 */
export function fromCelValue(value: CelValue): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'bigint':
      return toSafeNumber(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} is not a JSON number`);
      return value;
    case 'object':
      return fromCelObject(value);
    case 'undefined':
    case 'function':
    case 'symbol':
      throw new TypeError(`${typeof value} is not a CEL value`);
  }
}

function fromCelObject(value: Exclude<CelValue, string | boolean | bigint | number>): JsonValue {
  if (value === null) return null;
  if (isCelUint(value)) return toSafeNumber(value.value);
  if (isCelList(value)) return Array.from(value, fromCelValue);
  if (isCelMap(value)) {
    const object: Record<string, JsonValue> = {};
    for (const [key, item] of value) {
      if (typeof key !== 'string')
        throw new TypeError(`map key ${String(isCelUint(key) ? key.value : key)} is not a string`);
      Object.defineProperty(object, key, {
        value: fromCelValue(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return object;
  }
  throw new TypeError(`${celType(value).name} has no JSON form`);
}

function toSafeNumber(value: bigint): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new TypeError(`integer ${value} is beyond the safe JSON range`);
  return number;
}
