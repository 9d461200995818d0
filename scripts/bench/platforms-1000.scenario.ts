// `platforms-1000`: /token grants with 1,000 platforms of 10 policies each (a platform per issuer, all
// with the cluster's keys inline) against one platform with one policy, two brokers of the same build,
// alternating rounds; the tokens spread over every platform and every rank.
import { alternateRounds, cycleOf, describeRuns, rateRatio, unexpectedAnswers } from './alternating-load';
import { checkAllIssuedAudits } from './audit-check';
import {
  applyCatalog,
  exchangeBodies,
  generatedIdentity,
  generatedPolicies,
  kubernetesPlatform,
  startWorkload,
  teamWorkersPolicy,
  type BenchWorkload,
} from './bench-workload';
import { startBenchBroker } from './broker-process';
import { loadPlan, nodeArgsOf, positiveInt } from './knobs';
import type { BenchScenario } from './scenario';

const TARGET = 0.9;
const POLICIES_PER_PLATFORM = 10;

function platformName(p: number): string {
  return `cluster-${String(p).padStart(4, '0')}`;
}

/** Platform `p`'s issuer: the cluster's own with a path of its own, so the same keys verify it. */
function platformIssuer(workload: BenchWorkload, p: number): string {
  return `${workload.cluster.issuer}/${platformName(p)}`;
}

export const platforms1000Scenario: BenchScenario = {
  name: 'platforms-1000',
  summary: '/token grants with 1,000 platforms x 10 policies vs 1 platform with 1 policy',
  async run(env) {
    // five rounds: an A/A run (one policy against one) spread ±13% over three rounds on 2 shared cores
    const plan = loadPlan({ rounds: 5, seconds: 6, warmupSeconds: 3, connections: 32 });
    const platformCount = positiveInt('BENCH_PLATFORMS', 1000);
    const tokenCount = positiveInt('BENCH_TOKENS', 2000);
    const workload = await startWorkload(env);
    env.log(`minting ${tokenCount} tokens over ${platformCount} platforms and ${tokenCount} for one`);
    // token j: platform j mod P, its policy ⌊j / P⌋ mod 10, so consecutive requests change platform
    const spread = await exchangeBodies(workload, tokenCount, (j) => ({
      ...generatedIdentity(Math.floor(j / platformCount) % POLICIES_PER_PLATFORM),
      issuer: platformIssuer(workload, j % platformCount),
    }));
    const single = await exchangeBodies(workload, tokenCount);

    const nodeArgs = nodeArgsOf('BENCH_BROKER_NODE_ARGS');
    const one = await startBenchBroker(env, { name: 'broker-1-policy', nodeArgs });
    await applyCatalog(one, {
      platforms: [kubernetesPlatform(workload, 'bench')],
      policies: [teamWorkersPolicy(workload, 'bench')],
    });
    const many = await startBenchBroker(env, { name: `broker-${platformCount}-platforms`, nodeArgs });
    const platforms = Array.from({ length: platformCount }, (_, p) =>
      kubernetesPlatform(workload, platformName(p), platformIssuer(workload, p)),
    );
    const policies = Array.from({ length: platformCount }, (_, p) =>
      generatedPolicies(platformName(p), POLICIES_PER_PLATFORM, { apiAudience: workload.apiAudience }),
    ).flat();
    env.log(`applying ${platformCount} platforms and ${policies.length} policies`);
    const applying = Date.now();
    await applyCatalog(many, { platforms, policies });
    env.log(`applied in ${Date.now() - applying} ms`);

    const [oneRuns, manyRuns] = await alternateRounds(
      env,
      [
        {
          label: '1 platform, 1 policy',
          url: one.tokenUrl,
          cycle: cycleOf(single),
          server: one.server,
          expectedStatus: 200,
        },
        {
          label: `${platformCount} platforms x ${POLICIES_PER_PLATFORM} policies`,
          url: many.tokenUrl,
          cycle: cycleOf(spread),
          server: many.server,
          expectedStatus: 200,
        },
      ],
      plan,
    );
    if (oneRuns === undefined || manyRuns === undefined) throw new Error('no runs');
    const audit = await checkAllIssuedAudits([
      { databaseUrl: one.databaseUrl, label: one.name, runs: [oneRuns] },
      { databaseUrl: many.databaseUrl, label: many.name, runs: [manyRuns] },
    ]);
    const { ratio, baselineRate, perRound } = rateRatio(manyRuns, oneRuns);
    return {
      figures: [
        {
          what: `/token grants, ${platformCount} platforms x ${POLICIES_PER_PLATFORM} policies / 1 policy`,
          value: ratio,
          unit: 'of baseline',
          baseline: `1 policy: ${baselineRate.toFixed(0)} tokens/s`,
          target: `>= ${TARGET}`,
          met: ratio >= TARGET,
        },
      ],
      notes: [
        `${tokenCount} distinct tokens each, ${plan.rounds} alternating rounds of ${plan.seconds} s after ${plan.warmupSeconds} s warm-up, ${plan.connections} connections`,
        describeRuns(oneRuns),
        describeRuns(manyRuns),
        `${platformCount} platforms / 1 policy per round: ${perRound.map((r) => r.toFixed(3)).join(', ')}`,
        ...audit.notes,
      ],
      failures: [...unexpectedAnswers(oneRuns), ...unexpectedAnswers(manyRuns), ...audit.failures],
    };
  },
};
