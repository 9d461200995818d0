// `token`: RFC 8693 exchanges per second through the broker (every response durably audited) against
// the ideal baseline (bare node:http + jose, no database), same tokens, same load, alternating rounds.
import { describeRuns, rateRatio, unexpectedAnswers } from './alternating-load';
import { checkAllIssuedAudits } from './audit-check';
import { runBaselineContest, startBaselineContest } from './baseline-contest';
import { exchangeBodies, startWorkload } from './bench-workload';
import { loadPlan, positiveInt } from './knobs';
import type { BenchScenario } from './scenario';

const TARGET = 0.8;

export const tokenScenario: BenchScenario = {
  name: 'token',
  summary: '/token grants at 32 connections, broker vs the ideal baseline, every 200 audited',
  async run(env) {
    const plan = loadPlan({ rounds: 3, seconds: 6, warmupSeconds: 5, connections: 32 });
    const tokenCount = positiveInt('BENCH_TOKENS', 5000);
    env.log(`minting ${tokenCount} projected service-account tokens`);
    const workload = await startWorkload(env);
    const bodies = await exchangeBodies(workload, tokenCount);

    const contest = await startBaselineContest(env, workload);
    const { broker } = contest;
    const { baselineRuns, brokerRuns, cpuNotes } = await runBaselineContest(env, contest, bodies, plan);
    const audit = await checkAllIssuedAudits([
      { databaseUrl: broker.databaseUrl, label: 'broker', runs: [brokerRuns] },
    ]);
    const { ratio, baselineRate, perRound } = rateRatio(brokerRuns, baselineRuns);
    return {
      figures: [
        {
          what: `/token grants, ${plan.connections} connections, broker / ideal baseline`,
          value: ratio,
          unit: 'of baseline',
          baseline: `${baselineRate.toFixed(0)} tokens/s`,
          target: `>= ${TARGET}`,
          met: ratio >= TARGET,
        },
      ],
      notes: [
        `${tokenCount} distinct tokens, ${plan.rounds} alternating rounds of ${plan.seconds} s after ${plan.warmupSeconds} s warm-up`,
        describeRuns(baselineRuns),
        describeRuns(brokerRuns),
        `broker / baseline per round: ${perRound.map((r) => r.toFixed(3)).join(', ')}`,
        ...cpuNotes,
        ...audit.notes,
      ],
      failures: [...unexpectedAnswers(baselineRuns), ...unexpectedAnswers(brokerRuns), ...audit.failures],
    };
  },
};
