import { z } from 'zod';

const DAY_MS = 86_400_000;
/** RFC 3339's years, 0000 to 9999; PostgreSQL has no year 0, and JavaScript writes 10000 as `+010000`. */
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/** No event is that old or that new: a bound beyond the ends filters as the end does. */
function withinYears(ms: number): Date {
  return new Date(Math.min(LATEST, Math.max(EARLIEST, ms)));
}

/**
 * A `from`/`to` filter: an RFC 3339 time (its `T` and `Z` in either case), or a date (UTC). A date
 * as `from` starts at its first instant; as `to` (an exclusive bound) it ends after its last, so
 * `to=2025-01-31` keeps all of that day.
 */
function timeBound(side: 'from' | 'to') {
  return z.union(
    [
      z
        .string()
        .transform((value) => value.toUpperCase())
        .pipe(z.iso.datetime({ offset: true }))
        .transform((value) => withinYears(Date.parse(value))),
      z.iso.date().transform((value) => {
        const start = Date.parse(`${value}T00:00:00Z`);
        return withinYears(side === 'from' ? start : start + DAY_MS);
      }),
    ],
    { error: 'expected a date (2025-01-31) or an RFC 3339 time (2025-01-31T12:00:00Z; a "+" offset as %2B)' },
  );
}

export const fromBound = timeBound('from');
export const toBound = timeBound('to');
