import type { ReadinessProbe } from './readiness-watch';
import type { TokenAttempt } from './token-load';

/** What one database fault looked like from the clients; times in ms. */
export interface OutageFigures {
  /** From the fault to the first 503 answer to a request sent after it. */
  failClosedMs: number | undefined;
  /** The longest answer to a request sent while the database was out. */
  slowestDuringOutageMs: number;
  /** The longest answer to a request already in flight when the fault struck. */
  slowestInFlightMs: number;
  /** From the fault to the first `/readyz` 503. */
  notReadyMs: number | undefined;
  /** The longest `/readyz` answer while the database was out. */
  slowestReadyzMs: number;
  /** From the database's return to the first 200 to a request sent after it. */
  recoveredMs: number | undefined;
  /** From the database's return to the first `/readyz` 200. */
  readyAgainMs: number | undefined;
  /** Answers by HTTP status; 0 for none. */
  answers: Record<number, number>;
}

export function outageFigures(
  attempts: readonly TokenAttempt[],
  probes: readonly ReadinessProbe[],
  faultAt: number,
  restoredAt: number,
): OutageFigures {
  const during = attempts.filter((a) => a.started >= faultAt && a.started < restoredAt);
  const after = attempts.filter((a) => a.started >= restoredAt);
  const probesDuring = probes.filter((p) => p.at >= faultAt && p.at < restoredAt);
  const answers: Record<number, number> = {};
  for (const a of attempts) answers[a.status] = (answers[a.status] ?? 0) + 1;
  return {
    failClosedMs: first(during.filter((a) => a.status === 503).map((a) => a.ended - faultAt)),
    slowestDuringOutageMs: Math.max(0, ...during.map((a) => a.ended - a.started)),
    slowestInFlightMs: Math.max(
      0,
      ...attempts.filter((a) => a.started < faultAt && a.ended > faultAt).map((a) => a.ended - a.started),
    ),
    notReadyMs: first(probesDuring.filter((p) => p.status === 503).map((p) => p.at + p.ms - faultAt)),
    slowestReadyzMs: Math.max(0, ...probesDuring.map((p) => p.ms)),
    recoveredMs: first(after.filter((a) => a.status === 200).map((a) => a.ended - restoredAt)),
    readyAgainMs: first(
      probes.filter((p) => p.at >= restoredAt && p.status === 200).map((p) => p.at + p.ms - restoredAt),
    ),
    answers,
  };
}

function first(values: number[]): number | undefined {
  return values.length === 0 ? undefined : Math.round(Math.min(...values));
}
