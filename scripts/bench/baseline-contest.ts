// The contest of the `token` and `latency` scenarios: the ideal baseline and a broker with one platform
// and one policy, loaded with the same exchanges in alternating rounds.
import { alternateRounds, cpuPerAnswer, cycleOf, type TargetRuns } from './alternating-load';
import { startBenchBaseline, type BenchBaseline } from './baseline-process';
import { applyCatalog, kubernetesPlatform, teamWorkersPolicy, type BenchWorkload } from './bench-workload';
import { startBenchBroker, type BenchBroker } from './broker-process';
import { localDatabaseProcesses } from './database-processes';
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
        companions: () => localDatabaseProcesses(broker.databaseUrl),
      },
    ],
    plan,
  );
  if (baselineRuns === undefined || brokerRuns === undefined) throw new Error('no runs');
  return { baselineRuns, brokerRuns, cpuNotes: cpuNotes(baselineRuns, brokerRuns) };
}

/**
 * The servers' CPU per answer compared and, where the database server runs here, what each answer
 * costs the machine in all: the server, the broker's PostgreSQL, and the load generator. When the
 * cores are what limits both, the rates can come no closer than those totals.
 */
function cpuNotes(baselineRuns: TargetRuns, brokerRuns: TargetRuns): string[] {
  const baseline = cpuPerAnswer(baselineRuns);
  const broker = cpuPerAnswer(brokerRuns);
  if (baseline === undefined || broker === undefined) return [];
  const notes = [
    `CPU per answer (process, all threads, measured rounds): broker / baseline ${(broker / baseline).toFixed(2)}x`,
  ];
  const database = cpuPerAnswer(brokerRuns, 'companionsCpu');
  const baselineGenerator = cpuPerAnswer(baselineRuns, 'generatorCpu');
  const brokerGenerator = cpuPerAnswer(brokerRuns, 'generatorCpu');
  if (database === undefined || baselineGenerator === undefined || brokerGenerator === undefined)
    return notes;
  const baselineTotal = baseline + baselineGenerator;
  const brokerTotal = broker + database + brokerGenerator;
  const us = (value: number): string => value.toFixed(0);
  return [
    ...notes,
    `CPU per answer on this machine (µs): baseline ${us(baseline)} + load generator ${us(baselineGenerator)} = ` +
      `${us(baselineTotal)}; broker ${us(broker)} + its PostgreSQL ${us(database)} + load generator ` +
      `${us(brokerGenerator)} = ${us(brokerTotal)}; baseline / broker ${(baselineTotal / brokerTotal).toFixed(3)}`,
  ];
}
