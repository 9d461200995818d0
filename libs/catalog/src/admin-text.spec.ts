import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { adminText, isStorableText, storableJson } from './admin-text';

describe('isStorableText', () => {
  it.each([
    ['a NUL', 'a\u0000b', false],
    ['a lone high surrogate', 'a\ud800', false],
    ['a lone low surrogate', '\udc00b', false],
    ['reversed surrogates', '\udc00\ud800', false],
    ['a surrogate pair', 'emoji \ud83d\ude00', true],
    ['other control characters', '\u0001\t\n', true],
    ['the empty string', '', true],
  ])('%s: %s', (_name, value, storable) => {
    expect(isStorableText(value)).toBe(storable);
  });

  it('accepts every well-formed string without NUL, as UTF-8 round-trips it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        const clean = value.replaceAll('\u0000', '');
        expect(isStorableText(clean)).toBe(Buffer.from(clean, 'utf8').toString('utf8') === clean);
      }),
    );
  });
});

describe('admin schemas', () => {
  it('names the field of a bad string', () => {
    const result = z.strictObject({ issuer: adminText().min(1) }).safeParse({ issuer: 'x\u0000' });
    expect(result.error?.issues.map((i) => i.path)).toEqual([['issuer']]);
  });

  it('names the path of a bad string deep in free-form JSON, and the object of a bad key', () => {
    const schema = z.strictObject({ settings: z.record(z.string(), z.unknown()).superRefine(storableJson) });
    const result = schema.safeParse({
      settings: { list: ['ok', { deep: 'x\ud800' }], 'k\u0000': 1, fine: true },
    });
    expect(result.error?.issues.map((i) => i.path)).toEqual([['settings', 'list', 1, 'deep'], ['settings']]);
  });
});
