// `policies-10k`: /token grants of a platform holding 10,000 policies against the same platform holding
// one, two brokers of the same build, alternating rounds; the matching policy ranked first, in the
// middle and last, to show that where the match is no longer matters.
import {
  alternateRounds,
  cycleOf,
  describeRuns,
  rateRatio,
  unexpectedAnswers,
  type LoadTarget,
} from './alternating-load';
import { checkAllIssuedAudits } from './audit-check';
import {
  applyCatalog,
  exchangeBodies,
  generatedIdentity,
  generatedPolicies,
  kubernetesPlatform,
  startWorkload,
  type BenchWorkload,
} from './bench-workload';
import { startBenchBroker } from './broker-process';
import { loadPlan, nodeArgsOf, positiveInt } from './knobs';
import type { BenchScenario, ScenarioFigure } from './scenario';

const TARGET = 0.8;

/** The ranks (1-based) of the matching policy the scenario measures: first, middle, last. */
export function measuredRanks(policyCount: number): number[] {
  return [...new Set([1, Math.floor(policyCount / 2) + 1, policyCount])];
}

/**
 * The one policy of the 1-policy broker: it grants the identities of the ranks measured, with the
 * same kind of equality conditions as the generated policies.
 */
export function rankedIdentitiesPolicy(workload: BenchWorkload, platform: string, ranks: number[]): unknown {
  const identities = ranks.map((rank) => generatedIdentity(rank - 1));
  const list = (values: string[]): string => `[${values.map((value) => `'${value}'`).join(', ')}]`;
  return {
    name: 'bench-ranked',
    platform,
    condition:
      `identity.namespace in ${list(identities.map((identity) => identity.namespace))} && ` +
      `identity.serviceAccount in ${list(identities.map((identity) => identity.serviceAccount))}`,
    subject: "'k8s:' + identity.namespace + ':' + identity.serviceAccount",
    audiences: [workload.apiAudience],
    scopes: ['bench.read'],
    ttlSeconds: 900,
  };
}

export const policies10kScenario: BenchScenario = {
  name: 'policies-10k',
  summary: '/token grants with 10,000 policies on one platform vs 1 policy, match ranked first, middle, last',
  async run(env) {
    const plan = loadPlan({ rounds: 3, seconds: 6, warmupSeconds: 3, connections: 32 });
    const policyCount = positiveInt('BENCH_POLICIES', 10_000);
    const tokenCount = positiveInt('BENCH_TOKENS', 2000);
    const ranks = measuredRanks(policyCount);
    const workload = await startWorkload(env);
    env.log(`minting ${tokenCount} tokens for each of ranks ${ranks.join(', ')}`);
    const bodiesByRank = new Map<number, string[]>();
    for (const rank of ranks) {
      bodiesByRank.set(rank, await exchangeBodies(workload, tokenCount, () => generatedIdentity(rank - 1)));
    }
    const interleaved = Array.from(
      { length: tokenCount * ranks.length },
      (_, i) => bodiesByRank.get(ranks[i % ranks.length] ?? 0)?.[Math.floor(i / ranks.length)] ?? '',
    );

    const nodeArgs = nodeArgsOf('BENCH_BROKER_NODE_ARGS');
    const one = await startBenchBroker(env, { name: 'broker-1-policy', nodeArgs });
    await applyCatalog(one, {
      platforms: [kubernetesPlatform(workload, 'bench')],
      policies: [rankedIdentitiesPolicy(workload, 'bench', ranks)],
    });
    const many = await startBenchBroker(env, { name: `broker-${policyCount}-policies`, nodeArgs });
    env.log(`applying ${policyCount} policies`);
    const applying = Date.now();
    await applyCatalog(many, {
      platforms: [kubernetesPlatform(workload, 'bench')],
      policies: generatedPolicies('bench', policyCount, { apiAudience: workload.apiAudience }),
    });
    env.log(`applied in ${Date.now() - applying} ms`);

    const targets: LoadTarget[] = [
      {
        label: '1 policy',
        url: one.tokenUrl,
        cycle: cycleOf(interleaved),
        server: one.server,
        expectedStatus: 200,
      },
      ...ranks.map((rank) => ({
        label: `${policyCount} policies, match at rank ${rank}`,
        url: many.tokenUrl,
        cycle: cycleOf(bodiesByRank.get(rank) ?? []),
        server: many.server,
        expectedStatus: 200,
      })),
    ];
    const [oneRuns, ...rankRuns] = await alternateRounds(env, targets, plan);
    if (oneRuns === undefined || rankRuns.length !== ranks.length) throw new Error('no runs');
    const audit = await checkAllIssuedAudits([
      { databaseUrl: one.databaseUrl, label: one.name, runs: [oneRuns] },
      { databaseUrl: many.databaseUrl, label: many.name, runs: rankRuns },
    ]);

    const figures: ScenarioFigure[] = [];
    const perRoundNotes: string[] = [];
    for (const [index, runs] of rankRuns.entries()) {
      const { ratio, baselineRate, perRound } = rateRatio(runs, oneRuns);
      figures.push({
        what: `/token grants, ${policyCount} policies on one platform, match at rank ${ranks[index]}, / 1 policy`,
        value: ratio,
        unit: 'of baseline',
        baseline: `1 policy: ${baselineRate.toFixed(0)} tokens/s`,
        target: `>= ${TARGET}`,
        met: ratio >= TARGET,
      });
      perRoundNotes.push(
        `rank ${ranks[index]} / 1 policy per round: ${perRound.map((r) => r.toFixed(3)).join(', ')}`,
      );
    }
    return {
      figures,
      notes: [
        `${tokenCount} distinct tokens per rank, ${plan.rounds} alternating rounds of ${plan.seconds} s after ${plan.warmupSeconds} s warm-up, ${plan.connections} connections; the 1-policy broker gets the ranks' tokens interleaved`,
        describeRuns(oneRuns),
        ...rankRuns.map(describeRuns),
        ...perRoundNotes,
        ...audit.notes,
      ],
      failures: [...[oneRuns, ...rankRuns].flatMap(unexpectedAnswers), ...audit.failures],
    };
  },
};
