/** The longest rendering of one value in a message. */
export const MAX_SHOWN_VALUE_LENGTH = 128;

/** The most values of a list a message shows; the rest are counted. */
export const MAX_SHOWN_VALUES = 5;

/** The latest instant `Date` can represent, in seconds since the epoch (ECMA-262 §21.4.1.22). */
const MAX_DATE_SECONDS = 8.64e12;

/**
 * `text` cut to at most `max` characters, ending in `…` when cut; never between the two halves of a
 * surrogate pair, so that the result stays storable.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/**
 * A value as a message shows it: JSON (a string quoted, and cut inside its quotes), at most `max`
 * characters. Claims come from the credential and may be huge or hostile; this bounds them.
 */
export function showValue(value: unknown, max = MAX_SHOWN_VALUE_LENGTH): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(typeof value === 'string' ? truncate(value, max - 2) : value);
  } catch {
    text = undefined;
  }
  return truncate(text ?? String(value), max);
}

/** A list as a message shows it: its first values, each bounded, and how many more it has. */
export function showValues(values: readonly unknown[], maxValues = MAX_SHOWN_VALUES): string {
  const shown = values.slice(0, maxValues).map((value) => showValue(value));
  const more = values.length - shown.length;
  return `[${shown.join(', ')}${more > 0 ? `, and ${more} more` : ''}]`;
}

/**
 * A NumericDate (RFC 7519 §2) as a message shows it: the UTC time and the number itself
 * (`2026-01-01T00:00:00Z (1767225600)`); a value that is no time is shown as it is.
 */
export function showTime(seconds: unknown): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || Math.abs(seconds) > MAX_DATE_SECONDS) {
    return showValue(seconds);
  }
  return `${isoSeconds(new Date(seconds * 1000))} (${seconds})`;
}

/** The clock as a message shows it: `2026-01-01T00:00:00Z`. */
export function showClock(now: Date): string {
  return isoSeconds(now);
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}
