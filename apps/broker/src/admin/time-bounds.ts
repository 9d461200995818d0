import { z } from 'zod';

const DAY_MS = 86_400_000;

/**
 * A `from`/`to` filter: an RFC 3339 time, or a date (UTC). A date as `from` starts at its first
 * instant; as `to` (an exclusive bound) it ends after its last, so `to=2025-01-31` keeps all of
 * that day.
 */
function timeBound(side: 'from' | 'to') {
  return z.union([
    z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
    z.iso.date().transform((value) => {
      const start = Date.parse(`${value}T00:00:00Z`);
      return new Date(side === 'from' ? start : start + DAY_MS);
    }),
  ]);
}

export const fromBound = timeBound('from');
export const toBound = timeBound('to');
