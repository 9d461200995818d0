import type { TokenAttempt } from './token-load';

/** The `p`th percentile (0–100) of the attempts' durations, in ms; 0 without attempts. */
export function percentileMs(attempts: readonly TokenAttempt[], p: number): number {
  const durations = attempts.map((a) => a.ended - a.started).sort((a, b) => a - b);
  if (durations.length === 0) return 0;
  return Math.round(
    durations[Math.min(durations.length - 1, Math.ceil((p / 100) * durations.length) - 1)] ?? 0,
  );
}

/** Answers by HTTP status. */
export function statusCounts(attempts: readonly TokenAttempt[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const attempt of attempts) counts[attempt.status] = (counts[attempt.status] ?? 0) + 1;
  return counts;
}
