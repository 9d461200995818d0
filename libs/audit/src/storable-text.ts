const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `value` with what PostgreSQL `text` and `jsonb` refuse (NUL, lone UTF-16 surrogates) replaced by
 * U+FFFD, so one hostile header cannot fail a whole batch of audit rows.
 */
export function storableText(value: string): string {
  if (!value.includes('\u0000') && !SURROGATE.test(value)) return value;
  return value.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}
