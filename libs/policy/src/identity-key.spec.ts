import { describe, expect, it } from 'vitest';
import { pinnedValue } from './condition-facts';
import { identityKey } from './identity-key';

class Instant {
  readonly at = 1;
}

describe('identityKey', () => {
  it.each<[string, unknown, string]>([
    ['a string as itself', 'payments', pinnedValue('payments')],
    ['the empty string', '', pinnedValue('')],
    ['a bool as itself', true, pinnedValue(true)],
    ['a safe integer as the CEL int (and uint) it equals', 42, pinnedValue(42n)],
    ['a negative integer', -7, pinnedValue(-7n)],
    ['an integer-valued number written as a fraction (1.0 is the int 1)', 1.0, pinnedValue(1n)],
    ['minus zero as zero', -0, pinnedValue(0n)],
    ['the largest safe integer', Number.MAX_SAFE_INTEGER, pinnedValue(BigInt(Number.MAX_SAFE_INTEGER))],
    ['a safe bigint', 5n, pinnedValue(5n)],
  ])('keys %s', (_case, value, key) => {
    expect(identityKey({ f: value }, 'f')).toEqual({ kind: 'value', key });
  });

  it('keys a digit string apart from the number it spells', () => {
    expect(identityKey({ f: '1' }, 'f')).not.toEqual(identityKey({ f: 1 }, 'f'));
  });

  it.each<[string, unknown]>([
    ['a fraction (a CEL double)', 1.5],
    ['a number beyond 2^53 (a CEL double)', 2 ** 53],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a bigint beyond 2^53', 2n ** 60n],
    ['a list', ['payments']],
    ['a map', { team: 'payments' }],
    ['null', null],
  ])('cannot key %s: every policy pinned on the field stays a candidate', (_case, value) => {
    expect(identityKey({ f: value }, 'f')).toEqual({ kind: 'uncertain' });
  });

  it('cannot key a getter', () => {
    const identity = Object.defineProperty({}, 'f', { get: () => 'payments', enumerable: true });
    expect(identityKey(identity, 'f')).toEqual({ kind: 'uncertain' });
  });

  it.each<[string, Record<string, unknown>]>([
    ['a missing field', {}],
    ['an undefined field', { f: undefined }],
    ['a function', { f: () => 'payments' }],
    ['a class instance (left out of CEL input)', { f: new Instant() }],
    ['a non-enumerable field', Object.defineProperty({}, 'f', { value: 'payments', enumerable: false })],
  ])('finds %s absent', (_case, identity) => {
    expect(identityKey(identity, 'f')).toEqual({ kind: 'absent' });
  });

  it('reads only fields the identity owns, not inherited ones', () => {
    expect(identityKey({}, 'constructor')).toEqual({ kind: 'absent' });
    expect(identityKey({}, 'toString')).toEqual({ kind: 'absent' });
    expect(
      identityKey(JSON.parse('{"__proto__": "payments"}') as Record<string, unknown>, '__proto__'),
    ).toEqual({
      kind: 'value',
      key: pinnedValue('payments'),
    });
  });
});
