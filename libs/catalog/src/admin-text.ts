import { z } from 'zod';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MESSAGE = 'must not contain NUL or an unpaired surrogate';

/** Whether PostgreSQL `text` and `jsonb` store `value` unchanged: no NUL, no lone UTF-16 surrogate. */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/** A string PostgreSQL stores unchanged. Every string an admin sends is one of these. */
export function adminText(): z.ZodString {
  return z.string().refine(isStorableText, MESSAGE);
}

/** Deeper than any key set, setting or token's claims; deeper still only exhausts whoever walks it. */
export const MAX_JSON_DEPTH = 32;

/**
 * Refinement for free-form JSON an admin sends (`settings`, inline `jwks`, a policy test's claims):
 * every string in it is storable, and it nests at most {@link MAX_JSON_DEPTH} arrays and objects
 * deep; a bad value is named by its path, a bad key by the object holding it.
 */
export function storableJson(value: unknown, ctx: z.RefinementCtx): void {
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (typeof node === 'string') {
      if (!isStorableText(node)) ctx.addIssue({ code: 'custom', message: MESSAGE, path });
    } else if (typeof node === 'object' && node !== null && path.length >= MAX_JSON_DEPTH) {
      ctx.addIssue({
        code: 'custom',
        message: `nests deeper than ${MAX_JSON_DEPTH} levels`,
        path: path.slice(0, 1),
      });
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, [...path, i]));
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, item] of Object.entries(node)) {
        if (!isStorableText(key)) ctx.addIssue({ code: 'custom', message: `a key ${MESSAGE}`, path });
        else visit(item, [...path, key]);
      }
    }
  };
  visit(value, []);
}

/** Refinement for a record: its keys are storable (the values have schemas of their own). */
export function storableKeys(value: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (Object.keys(value).some((key) => !isStorableText(key))) {
    ctx.addIssue({ code: 'custom', message: `a key ${MESSAGE}` });
  }
}
