// `latency`: how long one `/token` exchange takes when nothing else is asked of the broker: one
// connection, one request at a time, broker against the ideal baseline, alternating rounds.
import { percentile, withClient } from '../bench-support';
import {
  describeRuns,
  median,
  pooledLatencies,
  unexpectedAnswers,
  type TargetRuns,
} from './alternating-load';
import { checkAllIssuedAudits } from './audit-check';
import { runBaselineContest, startBaselineContest } from './baseline-contest';
import { exchangeBodies, startWorkload } from './bench-workload';
import { histogramTotals, meanMsBetween } from './broker-metrics';
import { loadPlan, positiveInt } from './knobs';
import type { BenchScenario } from './scenario';

const TARGET_MS = 1;

/** The p50 of each measured round, ms. */
function roundMedians(runs: TargetRuns): number[] {
  return runs.rounds.map((round) => percentile(round.okLatenciesMs, 0.5));
}

/**
 * The p50 of `count` one-row commits on `databaseUrl`, one after the other: the WAL flush every
 * audited answer waits for, which the baseline does not pay. In a table of its own, dropped after.
 */
async function commitP50Ms(databaseUrl: string, count: number): Promise<number> {
  return withClient(databaseUrl, async (client) => {
    await client.query('CREATE TABLE bench_commit_probe (n integer NOT NULL)');
    const times: number[] = [];
    for (let n = 0; n < count; n++) {
      const started = process.hrtime.bigint();
      await client.query('INSERT INTO bench_commit_probe (n) VALUES ($1)', [n]);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    await client.query('DROP TABLE bench_commit_probe');
    return percentile(
      times.sort((a, b) => a - b),
      0.5,
    );
  });
}

export const latencyScenario: BenchScenario = {
  name: 'latency',
  summary: '/token p50 on one connection, unloaded, broker minus the ideal baseline',
  async run(env) {
    // One connection whatever BENCH_CONNECTIONS says: more would measure queueing, not latency.
    const plan = { ...loadPlan({ rounds: 3, seconds: 6, warmupSeconds: 3, connections: 1 }), connections: 1 };
    const tokenCount = positiveInt('BENCH_TOKENS', 2000);
    env.log(`minting ${tokenCount} projected service-account tokens`);
    const workload = await startWorkload(env);
    const bodies = await exchangeBodies(workload, tokenCount);

    const contest = await startBaselineContest(env, workload);
    const { broker } = contest;
    const metricsBefore = await histogramTotals(broker);
    const { baselineRuns, brokerRuns, cpuNotes } = await runBaselineContest(env, contest, bodies, plan);
    const audit = await checkAllIssuedAudits([
      { databaseUrl: broker.databaseUrl, label: 'broker', runs: [brokerRuns] },
    ]);
    const metricsAfter = await histogramTotals(broker);
    const insideMs = (name: string): string =>
      `${meanMsBetween(metricsBefore, metricsAfter, name).toFixed(2)} ms`;
    const commitP50 = await commitP50Ms(broker.databaseUrl, 300);
    const baselineP50s = roundMedians(baselineRuns);
    const brokerP50s = roundMedians(brokerRuns);
    const baselineP50 = median(baselineP50s);
    const brokerP50 = median(brokerP50s);
    const extra = brokerP50 - baselineP50;
    const p99 = (runs: TargetRuns): string => `${percentile(pooledLatencies(runs), 0.99).toFixed(2)} ms`;
    return {
      figures: [
        {
          what: '/token p50, one connection, broker minus ideal baseline',
          value: extra,
          unit: 'ms',
          baseline: `p50 ${baselineP50.toFixed(2)} ms (broker ${brokerP50.toFixed(2)} ms)`,
          target: `<= ${TARGET_MS} ms`,
          met: extra <= TARGET_MS,
        },
      ],
      notes: [
        `${tokenCount} distinct tokens, ${plan.rounds} alternating rounds of ${plan.seconds} s after ${plan.warmupSeconds} s warm-up, one connection`,
        describeRuns(baselineRuns),
        describeRuns(brokerRuns),
        `p50 per round (ms), baseline ${baselineP50s.map((ms) => ms.toFixed(2)).join(', ')}; broker ${brokerP50s.map((ms) => ms.toFixed(2)).join(', ')}`,
        `p99 over all rounds: baseline ${p99(baselineRuns)}, broker ${p99(brokerRuns)}`,
        ...cpuNotes,
        `the broker's own account (/metrics, warm-up and rounds): /token ${insideMs('fedbroker_token_request_duration_seconds')} mean, of which its audit commit ${insideMs('fedbroker_audit_commit_duration_seconds')} mean`,
        `a one-row commit on the broker's PostgreSQL, after the rounds: p50 ${commitP50.toFixed(2)} ms (each answer of the broker waits for one, the baseline's for none)`,
        ...audit.notes,
      ],
      failures: [...unexpectedAnswers(baselineRuns), ...unexpectedAnswers(brokerRuns), ...audit.failures],
    };
  },
};
