// `memory`: the broker's resident set with 10,000 policies on one platform against the same broker
// with one policy, both after a load that uses every policy and a settling pause.
import { runLoad, sleep } from '../bench-support';
import { cycleOf, firstAnswer, unexpectedAnswers, type LoadTarget } from './alternating-load';
import {
  applyCatalog,
  exchangeBodies,
  generatedIdentity,
  generatedPolicies,
  kubernetesPlatform,
  startWorkload,
  type BenchWorkload,
} from './bench-workload';
import { imageNodeOptions, startBenchBroker, type BenchBroker } from './broker-process';
import { loadPlan, nodeArgsOf, positiveInt } from './knobs';
import type { BenchEnvironment, BenchScenario } from './scenario';

const TARGET_MIB = 250;
const MIB = 1024 * 1024;
const PLATFORM = 'bench';
/** Extra rounds of load, at most, until every token (every policy's identity) has been sent. */
const MAX_TOP_UPS = 10;

interface Settled {
  rssBytes: number;
  heapUsedBytes: number | undefined;
}

export const memoryScenario: BenchScenario = {
  name: 'memory',
  summary: 'broker RSS with 10,000 policies on one platform vs 1 policy, after every policy was used',
  async run(env) {
    const policyCount = positiveInt('BENCH_POLICIES', 10_000);
    const plan = loadPlan({ rounds: 1, seconds: 20, warmupSeconds: 1, connections: 8 });
    const settleSeconds = positiveInt('BENCH_SETTLE_SECONDS', 10);
    const workload = await startWorkload(env);
    env.log(`minting ${policyCount} projected service-account tokens, one for each policy's identity`);
    const bodies = await exchangeBodies(workload, policyCount, generatedIdentity);

    const nodeArgs = nodeArgsOf('BENCH_BROKER_NODE_ARGS');
    const one = await startBenchBroker(env, { name: 'broker-1-policy', nodeArgs });
    await applyCatalog(one, {
      platforms: [kubernetesPlatform(workload, PLATFORM)],
      policies: [everyGeneratedIdentity(workload)],
    });
    const many = await startBenchBroker(env, { name: `broker-${policyCount}-policies`, nodeArgs });
    env.log(`applying ${policyCount} policies`);
    await applyCatalog(many, {
      platforms: [kubernetesPlatform(workload, PLATFORM)],
      policies: generatedPolicies(PLATFORM, policyCount, { apiAudience: workload.apiAudience }),
    });

    const failures: string[] = [];
    const measured: Settled[] = [];
    for (const broker of [one, many]) {
      const target: LoadTarget = {
        label: broker.name,
        url: broker.tokenUrl,
        cycle: cycleOf(bodies),
        server: broker.server,
        expectedStatus: 200,
      };
      await firstAnswer(target);
      env.log(`${broker.name}: ${plan.seconds} s of load with ${plan.connections} connections`);
      const rounds = [await runLoad(target.url, target.cycle, plan.connections, plan.seconds)];
      while (target.cycle.next < bodies.length && rounds.length < MAX_TOP_UPS) {
        env.log(`${broker.name}: ${target.cycle.next} of ${bodies.length} tokens sent; more load`);
        rounds.push(await runLoad(target.url, target.cycle, plan.connections, plan.seconds));
      }
      const [warmup, ...more] = rounds;
      if (warmup === undefined) throw new Error('no load');
      const unanswered = rounds.reduce((total, round) => total + round.unanswered, 0);
      failures.push(...unexpectedAnswers({ target, warmup, rounds: more, okBodies: [], unanswered }));
      if (target.cycle.next < bodies.length) {
        failures.push(`${broker.name}: only ${target.cycle.next} of ${bodies.length} tokens were sent`);
      }
      measured.push(await settled(env, broker, settleSeconds));
    }
    const [base, loaded] = measured;
    if (base === undefined || loaded === undefined) throw new Error('no measurement');
    const perPolicy = (loaded.rssBytes - base.rssBytes) / Math.max(1, policyCount - 1);
    return {
      figures: [
        {
          what: `broker RSS, ${policyCount.toLocaleString('en')} policies on one platform`,
          value: loaded.rssBytes / MIB,
          unit: 'MiB',
          baseline: `1 policy: ${(base.rssBytes / MIB).toFixed(0)} MiB`,
          target: `<= ${TARGET_MIB} MiB`,
          met: loaded.rssBytes <= TARGET_MIB * MIB,
        },
        {
          what: 'broker RSS per policy beyond the first',
          value: perPolicy / 1024,
          unit: 'KiB',
          target: '–',
          met: undefined,
        },
      ],
      notes: [
        `each broker loaded in rounds of ${plan.seconds} s with ${plan.connections} connections over ${bodies.length} tokens (every policy's identity), until every token was sent, then settled ${settleSeconds} s`,
        `RSS: 1 policy ${mib(base.rssBytes)}, ${policyCount} policies ${mib(loaded.rssBytes)}`,
        `V8 heap used: 1 policy ${mib(base.heapUsedBytes)}, ${policyCount} policies ${mib(loaded.heapUsedBytes)}`,
        `node options: ${[imageNodeOptions(), ...nodeArgs].join(' ')}`,
      ],
      failures,
    };
  },
};

/** One policy granting every identity {@link generatedPolicies} policies match, one each. */
function everyGeneratedIdentity(workload: BenchWorkload): unknown {
  return {
    name: 'bench-every-namespace',
    platform: PLATFORM,
    condition: "identity.namespace.startsWith('ns-') && identity.serviceAccount.startsWith('sa-')",
    subject: "'k8s:' + identity.namespace + ':' + identity.serviceAccount",
    audiences: [workload.apiAudience],
    scopes: ['bench.read'],
    ttlSeconds: 900,
  };
}

/** The broker's RSS and heap once it has been idle `seconds`: the median of the last samples. */
async function settled(env: BenchEnvironment, broker: BenchBroker, seconds: number): Promise<Settled> {
  const samples: number[] = [];
  for (let second = 0; second < seconds; second++) {
    await sleep(1000);
    samples.push(await broker.rssBytes());
  }
  const last = samples.slice(-5).sort((a, b) => a - b);
  const rssBytes = last[Math.floor(last.length / 2)] ?? (await broker.rssBytes());
  const heapUsedBytes = await heapUsed(broker);
  env.log(`${broker.name}: RSS ${mib(rssBytes)}, heap used ${mib(heapUsedBytes)}`);
  return { rssBytes, heapUsedBytes };
}

/** `nodejs_heap_size_used_bytes` from the broker's `/metrics`. */
async function heapUsed(broker: BenchBroker): Promise<number | undefined> {
  const response = await fetch(`${broker.baseUrl}/metrics`);
  const text = await response.text();
  const match = /^nodejs_heap_size_used_bytes\s+([\d.e+]+)$/m.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / MIB).toFixed(1)} MiB`;
}
