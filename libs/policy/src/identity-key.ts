import { pinnedValue } from './condition-facts';

/**
 * How one identity field reads against the pins of conditions (see {@link identityKey}): `absent`
 * (a condition pinning it cannot match), `value` (its {@link pinnedValue}, equal to a pin's exactly
 * when CEL finds them equal) or `uncertain` (no key can say; every policy pinning it is a candidate).
 */
export type IdentityKey =
  | { readonly kind: 'absent' }
  | { readonly kind: 'value'; readonly key: string }
  | { readonly kind: 'uncertain' };

const ABSENT: IdentityKey = Object.freeze({ kind: 'absent' });
const UNCERTAIN: IdentityKey = Object.freeze({ kind: 'uncertain' });
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The key of `identity[field]` as policies see it once converted by `toCelValue`: a string or a
 * bool keys as itself; a safe integer (number or bigint) as a CEL int, which CEL finds equal to the
 * int or uint constant of the same value. Other numbers (fractions, beyond ±2^53−1, NaN) are CEL
 * doubles, and lists, maps and null are not worth keying: `uncertain`. What `toCelValue` leaves out
 * (`undefined`, functions, class instances) and a field the object does not own are `absent`.
 */
export function identityKey(identity: Readonly<Record<string, unknown>>, field: string): IdentityKey {
  const property = Object.getOwnPropertyDescriptor(identity, field);
  if (property === undefined || !property.enumerable) return ABSENT;
  if (!('value' in property)) return UNCERTAIN;
  const value: unknown = property.value;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return { kind: 'value', key: pinnedValue(value) };
    case 'number':
      return Number.isSafeInteger(value) ? { kind: 'value', key: pinnedValue(BigInt(value)) } : UNCERTAIN;
    case 'bigint':
      return value >= -MAX_SAFE && value <= MAX_SAFE ? { kind: 'value', key: pinnedValue(value) } : UNCERTAIN;
    case 'object':
      return value === null || Array.isArray(value) || isPlainObject(value) ? UNCERTAIN : ABSENT;
    case 'undefined':
    case 'function':
    case 'symbol':
      return ABSENT;
  }
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
