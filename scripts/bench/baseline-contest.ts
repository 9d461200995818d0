// The contest of the `token` and `latency` scenarios: the ideal baseline and a broker with one platform
// and one policy, loaded with the same exchanges in alternating rounds.
import { alternateRounds, cpuPerAnswer, cycleOf, type TargetRuns } from './alternating-load';
import { startBenchBaseline, type BenchBaseline } from './baseline-process';
import { applyCatalog, kubernetesPlatform, teamWorkersPolicy, type BenchWorkload } from './bench-workload';
import { startBenchBroker, type BenchBroker } from './broker-process';
import { nodeArgsOf, type LoadPlan } from './knobs';
import type { BenchEnvironment } from './scenario';

export interface BaselineContest {
  baseline: BenchBaseline;
  broker: BenchBroker;
}

/** Starts the baseline and a broker (node arguments from `BENCH_BROKER_NODE_ARGS`) granting `workload`'s tokens. */
export async function startBaselineContest(
  env: BenchEnvironment,
  workload: BenchWorkload,
): Promise<BaselineContest> {
  const baseline = await startBenchBaseline(env, workload);
  const broker = await startBenchBroker(env, { nodeArgs: nodeArgsOf('BENCH_BROKER_NODE_ARGS') });
  await applyCatalog(broker, {
    platforms: [kubernetesPlatform(workload, 'bench')],
    policies: [teamWorkersPolicy(workload, 'bench')],
  });
  return { baseline, broker };
}

/** What the contest measured: each server's runs and, where `/proc` tells, how their CPU compares. */
export interface ContestRuns {
  baselineRuns: TargetRuns;
  brokerRuns: TargetRuns;
  /** A note comparing the CPU per answer of the two, or none without `/proc`. */
  cpuNotes: string[];
}

/** Both servers exchange `bodies`, each expecting 200s, in alternating rounds of `plan`. */
export async function runBaselineContest(
  env: BenchEnvironment,
  { baseline, broker }: BaselineContest,
  bodies: readonly string[],
  plan: LoadPlan,
): Promise<ContestRuns> {
  const [baselineRuns, brokerRuns] = await alternateRounds(
    env,
    [
      {
        label: 'baseline',
        url: baseline.tokenUrl,
        cycle: cycleOf(bodies),
        server: baseline.server,
        expectedStatus: 200,
      },
      {
        label: 'broker',
        url: broker.tokenUrl,
        cycle: cycleOf(bodies),
        server: broker.server,
        expectedStatus: 200,
      },
    ],
    plan,
  );
  if (baselineRuns === undefined || brokerRuns === undefined) throw new Error('no runs');
  const baselineCpu = cpuPerAnswer(baselineRuns);
  const brokerCpu = cpuPerAnswer(brokerRuns);
  const cpuNotes =
    baselineCpu === undefined || brokerCpu === undefined
      ? []
      : [
          `CPU per answer (process, all threads, measured rounds): broker / baseline ${(brokerCpu / baselineCpu).toFixed(2)}x`,
        ];
  return { baselineRuns, brokerRuns, cpuNotes };
}
