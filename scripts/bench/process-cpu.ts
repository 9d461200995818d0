// CPU time of a server under test, from /proc on Linux: per answered request it is a figure a busy
// machine moves far less than a rate, since time the process waits for a core is not counted.
import { readFileSync } from 'node:fs';
import type { TargetRuns } from './alternating-load';

/** `USER_HZ`: the unit of the CPU times in `/proc/<pid>/stat`, 100 on every Linux port in use. */
const CLOCK_TICKS_PER_SECOND = 100;

/** User plus system CPU of process `pid`, all its threads, so far, in ms; undefined without `/proc`. */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces; the fields after it are space-separated numbers.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Requests a target answered, warm-up included. */
export function answered(runs: TargetRuns): number {
  return [runs.warmup, ...runs.rounds].reduce((sum, run) => sum + run.ok + run.non2xx, 0);
}

/** Microseconds of CPU per answered request between two readings, or undefined when either is. */
export function cpuPerAnswerMicros(
  before: number | undefined,
  after: number | undefined,
  runs: TargetRuns,
): number | undefined {
  const count = answered(runs);
  if (before === undefined || after === undefined || count === 0) return undefined;
  return ((after - before) * 1000) / count;
}
