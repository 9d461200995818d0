// Side-by-side load: each contender is warmed up, then the contenders take turns, one round each, so
// that drift in what else the machine does falls on all alike. Figures are medians over the rounds.
import {
  percentile,
  runLoad,
  sleep,
  type BodyCycle,
  type ChildServer,
  type LoadResult,
} from '../bench-support';
import type { LoadPlan } from './knobs';
import { CpuTally, readCpu } from './process-cpu';
import type { BenchEnvironment } from './scenario';

/** A server and the requests it is loaded with. */
export interface LoadTarget {
  label: string;
  url: string;
  cycle: BodyCycle;
  server: ChildServer;
  /** The status every answer must have: 200 for grants, 400 for refusals. */
  expectedStatus: number;
  /** Processes besides `server` whose CPU its answers cost (its database server's), asked before each round. */
  companions?: () => Promise<readonly number[]>;
}

/** What one target answered: its warm-up, its measured rounds, and every 2xx body it sent. */
export interface TargetRuns {
  target: LoadTarget;
  warmup: LoadResult;
  rounds: LoadResult[];
  okBodies: string[];
  unanswered: number;
  /** CPU the target's process spent during its measured rounds, where measured. */
  roundsCpu?: CpuTally;
  /** CPU its `companions` spent then, where they are known and measured. */
  companionsCpu?: CpuTally;
  /** CPU this process, the load generator, spent then. */
  generatorCpu?: CpuTally;
}

/** A fresh cycle over `bodies`: each target keeps its own place. */
export function cycleOf(bodies: readonly string[]): BodyCycle {
  return { bodies, next: 0 };
}

/**
 * One request outside the timed runs, repeated for up to `patienceMs` until it gets the target's
 * expected status (a catalog change may take a moment to reach the broker); its body when it does.
 */
export async function firstAnswer(target: LoadTarget, patienceMs = 10_000): Promise<string> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const body = target.cycle.bodies[target.cycle.next++ % target.cycle.bodies.length] ?? '';
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const text = await response.text();
    if (response.status === target.expectedStatus) return text;
    if (Date.now() > deadline) {
      throw new Error(
        `${target.label}: POST ${target.url} answered ${response.status}, not ${target.expectedStatus}: ${text}`,
      );
    }
    await sleep(200);
  }
}

/**
 * Warms every target up, then runs `plan.rounds` rounds in which each target is loaded in turn; every
 * other round takes them in reverse order, so that no target always runs first after a pause.
 */
export async function alternateRounds(
  env: BenchEnvironment,
  targets: readonly LoadTarget[],
  plan: LoadPlan,
): Promise<TargetRuns[]> {
  const runs: TargetRuns[] = [];
  for (const target of targets) {
    const first = await firstAnswer(target);
    env.log(`${target.label}: warming up ${plan.warmupSeconds} s with ${plan.connections} connections`);
    const warmup = await runLoad(target.url, target.cycle, plan.connections, plan.warmupSeconds);
    const okBodies = target.expectedStatus === 200 ? [first, ...warmup.okBodies] : [...warmup.okBodies];
    runs.push({ target, warmup, rounds: [], okBodies, unanswered: warmup.unanswered });
  }
  for (let round = 1; round <= plan.rounds; round++) {
    for (const run of round % 2 === 1 ? runs : [...runs].reverse()) {
      env.log(`${run.target.label}: round ${round} of ${plan.rounds}, ${plan.seconds} s`);
      const companions = (await run.target.companions?.()) ?? [];
      const measured = await measuringCpu(run, companions, () =>
        runLoad(run.target.url, run.target.cycle, plan.connections, plan.seconds),
      );
      if (!run.target.server.running()) {
        throw new Error(`${run.target.label} exited during the run:\n${run.target.server.output()}`);
      }
      run.rounds.push(measured);
      run.okBodies.push(...measured.okBodies);
      run.unanswered += measured.unanswered;
    }
  }
  return runs;
}

/** Runs `load`, adding what the server, its companions (when any) and this process spent to `run`'s tallies. */
async function measuringCpu<T>(
  run: TargetRuns,
  companions: readonly number[],
  load: () => Promise<T>,
): Promise<T> {
  const tallies: [CpuTally, readonly number[]][] = [
    [(run.roundsCpu ??= new CpuTally()), [run.target.server.pid]],
    [(run.generatorCpu ??= new CpuTally()), [process.pid]],
  ];
  if (companions.length > 0) tallies.push([(run.companionsCpu ??= new CpuTally()), companions]);
  const before = tallies.map(([, pids]) => readCpu(pids));
  const result = await load();
  tallies.forEach(([tally, pids], i) => tally.add(before[i], readCpu(pids)));
  return result;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Answers per second with the target's expected status, per measured round. */
export function roundRates(runs: TargetRuns): number[] {
  const status = String(runs.target.expectedStatus);
  return runs.rounds.map((round) => (round.statusCodes[status] ?? 0) / round.seconds);
}

/** The median rate of `figure` over the median rate of `baseline`, and the per-round ratios. */
export function rateRatio(
  figure: TargetRuns,
  baseline: TargetRuns,
): { ratio: number; figureRate: number; baselineRate: number; perRound: number[] } {
  const figureRates = roundRates(figure);
  const baselineRates = roundRates(baseline);
  const figureRate = median(figureRates);
  const baselineRate = median(baselineRates);
  return {
    ratio: figureRate / baselineRate,
    figureRate,
    baselineRate,
    perRound: figureRates.map((rate, i) => rate / (baselineRates[i] ?? Number.NaN)),
  };
}

/** Latencies (ms, ascending) of the 2xx answers of all measured rounds. */
export function pooledLatencies(runs: TargetRuns): number[] {
  return runs.rounds.flatMap((round) => round.okLatenciesMs).sort((a, b) => a - b);
}

/**
 * Microseconds of CPU per answer in the measured rounds (all threads): the target's process by
 * default, or the tally `of` names.
 */
export function cpuPerAnswer(
  runs: TargetRuns,
  of: 'roundsCpu' | 'companionsCpu' | 'generatorCpu' = 'roundsCpu',
): number | undefined {
  const answers = runs.rounds.reduce((sum, round) => sum + round.ok + round.non2xx, 0);
  return runs[of]?.microsPer(answers);
}

/** One line per target: rate, p50, p99, CPU per answer and the status codes of the measured rounds. */
export function describeRuns(runs: TargetRuns): string {
  const latencies = pooledLatencies(runs);
  const codes: Record<string, number> = {};
  for (const round of runs.rounds) {
    for (const [code, count] of Object.entries(round.statusCodes)) codes[code] = (codes[code] ?? 0) + count;
  }
  const rates = roundRates(runs).map((rate) => rate.toFixed(0));
  const latency =
    latencies.length === 0
      ? ''
      : `, 2xx p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms`;
  const cpu = cpuPerAnswer(runs);
  const cpuText = cpu === undefined ? '' : `, CPU ${cpu.toFixed(0)} µs per answer`;
  return `${runs.target.label}: ${median(roundRates(runs)).toFixed(0)}/s median (rounds ${rates.join(', ')})${latency}${cpuText}, status ${JSON.stringify(codes)}`;
}

/** Failures: any answer but the expected status, or a connection error, in the warm-up or a round. */
export function unexpectedAnswers(runs: TargetRuns): string[] {
  const expected = String(runs.target.expectedStatus);
  const failures: string[] = [];
  for (const [index, run] of [runs.warmup, ...runs.rounds].entries()) {
    const other = Object.entries(run.statusCodes).filter(([code]) => code !== expected);
    if (other.length > 0 || run.errors > 0) {
      const when = index === 0 ? 'warm-up' : `round ${index}`;
      failures.push(
        `${runs.target.label} (${when}): ${other.map(([code, count]) => `${count} × ${code}`).join(', ') || 'no other status'}, ${run.errors} errors`,
      );
    }
  }
  return failures;
}
