import { isCelError } from '@bufbuild/cel';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy';
import { toBindings } from './evaluate-policies';
import { pinnedConditionValue } from './pinned-condition';

const FIELDS = ['ns', 'sa', 'n'] as const;
const field = fc.constantFrom(...FIELDS);
const constant = fc.constantFrom("'a'", "'b'", "'1'", '0', '1', '1u', '2', '-1', 'true', 'false');

/** Conjuncts in every form of pin: `==` either way round, the index form, `in` a list. */
const pin = fc.oneof(
  fc.tuple(field, constant).map(([f, c]) => `identity.${f} == ${c}`),
  fc.tuple(field, constant).map(([f, c]) => `${c} == identity.${f}`),
  fc.tuple(field, constant).map(([f, c]) => `identity['${f}'] == ${c}`),
  fc
    .tuple(field, fc.array(constant, { minLength: 1, maxLength: 3 }))
    .map(([f, cs]) => `identity.${f} in [${cs.join(', ')}]`),
);

/** Identity values of every type, absent, and what no key can say. */
const identityValue = fc.constantFrom<unknown>(
  undefined,
  'a',
  'b',
  '1',
  0,
  1,
  -1,
  2,
  1n,
  true,
  false,
  1.5,
  2 ** 53,
  [1],
  { a: 1 },
  null,
);

const identity = fc.tuple(...FIELDS.map(() => identityValue)).map((values) => {
  const result: Record<string, unknown> = {};
  FIELDS.forEach((name, i) => {
    if (values[i] !== undefined) result[name] = values[i];
  });
  return result;
});

function compiled(condition: string) {
  return compilePolicy({
    name: 'p',
    condition,
    claims: {},
    audiences: [],
    scopes: [],
    ttlSeconds: 60,
    priority: 0,
    enabled: true,
  });
}

describe('pinnedConditionValue', () => {
  it('gives the value CEL gives whenever it gives one, for any condition of pins and identity', () => {
    fc.assert(
      fc.property(fc.array(pin, { minLength: 1, maxLength: 4 }), identity, (pins, fields) => {
        const policy = compiled(pins.join(' && '));
        const value = pinnedConditionValue(policy.facts, fields);
        const cel = policy.condition(
          toBindings({ claims: {}, identity: fields, request: { audience: [], scopes: [], grantType: 'g' } }),
        );
        if (value !== undefined) expect(value).toBe(cel);
        if (isCelError(cel)) expect(value).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ["identity.ns == 'a' && identity.sa.startsWith('b')", 'a conjunct that is not a pin'],
    ["identity.ns == 'a' || identity.sa == 'b'", 'pins under ||'],
    ['true', 'a constant'],
  ])('leaves %s to CEL (%s)', (condition) => {
    expect(pinnedConditionValue(compiled(condition).facts, { ns: 'a', sa: 'b' })).toBeUndefined();
  });

  it('leaves an absent field or a value no key can say to CEL, which names the error', () => {
    const { facts } = compiled("identity.ns == 'a' && identity.sa == 'b'");

    expect(pinnedConditionValue(facts, { ns: 'a' })).toBeUndefined();
    expect(pinnedConditionValue(facts, { ns: 'a', sa: ['b'] })).toBeUndefined();
    expect(pinnedConditionValue(facts, { ns: 'a', sa: 'b' })).toBe(true);
    expect(pinnedConditionValue(facts, { ns: 'a', sa: 'c' })).toBe(false);
  });
});
