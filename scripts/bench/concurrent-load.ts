// Load on several targets at once (replicas sharing one database), recorded as each target's runs so
// that the reports and the audit check of alternating-load.ts apply unchanged.
import { runLoad, type LoadResult } from '../bench-support';
import type { LoadTarget, TargetRuns } from './alternating-load';

/** Loads every target at once for `seconds`, `connections` each; the results in the order of `targets`. */
export async function loadTogether(
  targets: readonly LoadTarget[],
  connections: number,
  seconds: number,
): Promise<LoadResult[]> {
  const results = await Promise.all(
    targets.map((target) => runLoad(target.url, target.cycle, connections, seconds)),
  );
  for (const target of targets) {
    if (!target.server.running()) {
      throw new Error(`${target.label} exited during the run:\n${target.server.output()}`);
    }
  }
  return results;
}

/** A run that sent nothing. */
const NO_LOAD: LoadResult = {
  seconds: 0,
  ok: 0,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  statusCodes: {},
  okLatenciesMs: [],
  okBodies: [],
  unanswered: 0,
};

/** Runs of `target` that start with `warmup` (if any) and get their rounds from {@link recordRound}. */
export function runsOf(target: LoadTarget, warmup: LoadResult = NO_LOAD): TargetRuns {
  return { target, warmup, rounds: [], okBodies: [...warmup.okBodies], unanswered: warmup.unanswered };
}

/** Adds one measured round to `runs`. */
export function recordRound(runs: TargetRuns, result: LoadResult): void {
  runs.rounds.push(result);
  runs.okBodies.push(...result.okBodies);
  runs.unanswered += result.unanswered;
}

/** Runs that are no load at all: the tokens other requests (probes) got, for the audit check. */
export function probeRuns(target: LoadTarget, okBodies: readonly string[]): TargetRuns {
  return { ...runsOf(target), okBodies: [...okBodies] };
}
