import { describe, expect, it } from 'vitest';
import { MAX_SHOWN_VALUE_LENGTH, showTime, showValue, showValues, truncate } from './show-value';

describe('showValue', () => {
  it.each([
    ['a string, quoted', 'https://broker.test/token', '"https://broker.test/token"'],
    ['a number', 1_767_225_600, '1767225600'],
    ['null', null, 'null'],
    ['an object, as JSON', { a: [1, true] }, '{"a":[1,true]}'],
    ['undefined', undefined, 'undefined'],
  ])('shows %s', (_name, value, shown) => {
    expect(showValue(value)).toBe(shown);
  });

  it('bounds a huge string inside its quotes', () => {
    const shown = showValue('x'.repeat(100_000));
    expect(shown).toHaveLength(MAX_SHOWN_VALUE_LENGTH);
    expect(shown).toBe(`"${'x'.repeat(MAX_SHOWN_VALUE_LENGTH - 3)}…"`);
  });

  it('bounds a huge object', () => {
    const shown = showValue({ list: Array.from({ length: 10_000 }, (_, i) => i) });
    expect(shown).toHaveLength(MAX_SHOWN_VALUE_LENGTH);
    expect(shown.endsWith('…')).toBe(true);
  });

  it('never cuts between the halves of a surrogate pair', () => {
    const cut = truncate(`${'a'.repeat(8)}😀😀`, 10);
    expect(cut).toBe(`${'a'.repeat(8)}…`);
    expect(cut).not.toMatch(/[\uD800-\uDFFF]/);
  });
});

describe('showValues', () => {
  it('shows a short list whole', () => {
    expect(showValues(['a', 'b'])).toBe('["a", "b"]');
  });

  it('shows the first five values and counts the rest', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => `aud-${i}`);
    const shown = showValues(values);
    expect(shown).toBe('["aud-0", "aud-1", "aud-2", "aud-3", "aud-4", and 9995 more]');
  });
});

describe('showTime', () => {
  it.each([
    ['a NumericDate', 1_767_225_600, '2026-01-01T00:00:00Z (1767225600)'],
    ['a fractional one', 1_767_225_600.5, '2026-01-01T00:00:00.500Z (1767225600.5)'],
    ['a number past what a Date holds', 1e300, '1e+300'],
    ['a string', '1767225600', '"1767225600"'],
  ])('shows %s', (_name, seconds, shown) => {
    expect(showTime(seconds)).toBe(shown);
  });
});
