// `bulk-load`: loading 10,000 policies through the admin API on a fresh broker, once with one
// `POST /admin/v1/apply`, once with single `POST /admin/v1/policies`, 16 in flight; each load ends
// with the broker granting an exchange only its last policy allows.
import { withClient } from '../bench-support';
import { cycleOf, firstAnswer } from './alternating-load';
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
import { startBenchBroker, type BenchBroker } from './broker-process';
import { probeRuns } from './concurrent-load';
import { nodeArgsOf, positiveInt } from './knobs';
import { LOADED_PLATFORM } from './loaded-catalog';
import type { BenchScenario, BenchEnvironment } from './scenario';

const APPLY_TARGET_SECONDS = 60;
const SINGLE_TARGET_SECONDS = 240;

interface Load {
  broker: BenchBroker;
  seconds: number;
  /** Policies written; fewer than asked when the single POSTs ran out of time. */
  written: number;
  /** The token the last policy granted once loaded. */
  probeBody?: string;
}

async function freshBroker(
  env: BenchEnvironment,
  workload: BenchWorkload,
  name: string,
): Promise<BenchBroker> {
  const broker = await startBenchBroker(env, { name, nodeArgs: nodeArgsOf('BENCH_BROKER_NODE_ARGS') });
  await applyCatalog(broker, { platforms: [kubernetesPlatform(workload, LOADED_PLATFORM)] });
  return broker;
}

async function storedPolicies(broker: BenchBroker): Promise<number> {
  return withClient(broker.databaseUrl, async (client) => {
    const result = await client.query<{ count: string }>('SELECT count(*) AS count FROM policies');
    return Number(result.rows[0]?.count);
  });
}

/** `POST /admin/v1/policies` of every policy, `parallel` at a time, until done or `limitSeconds` have passed. */
async function postOneByOne(
  broker: BenchBroker,
  policies: readonly unknown[],
  parallel: number,
  limitSeconds: number,
): Promise<number> {
  const deadline = performance.now() + limitSeconds * 1000;
  let next = 0;
  let written = 0;
  const worker = async (): Promise<void> => {
    while (next < policies.length && performance.now() < deadline) {
      const policy = policies[next++];
      const { status, body } = await broker.admin('POST', '/admin/v1/policies', policy);
      if (status !== 201) throw new Error(`${broker.name}: POST answered ${status}: ${JSON.stringify(body)}`);
      written += 1;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return written;
}

export const bulkLoadScenario: BenchScenario = {
  name: 'bulk-load',
  summary: 'loading 10,000 policies: one bulk apply, and single POSTs 16 in parallel, each on a fresh broker',
  async run(env) {
    const policyCount = positiveInt('BENCH_POLICIES', 10_000);
    const parallel = positiveInt('BENCH_BULK_PARALLEL', 16);
    const limitSeconds = positiveInt('BENCH_BULK_LIMIT_SECONDS', 300);
    const workload = await startWorkload(env);
    const policies = generatedPolicies(LOADED_PLATFORM, policyCount);
    const [lastProbe] = await exchangeBodies(workload, 1, () => generatedIdentity(policyCount - 1));
    if (lastProbe === undefined) throw new Error('no probe');

    const loads: Load[] = [];
    const notes: string[] = [];
    const failures: string[] = [];
    for (const how of ['apply', 'single'] as const) {
      const broker = await freshBroker(env, workload, how === 'apply' ? 'bulk-apply' : 'single-posts');
      env.log(`${broker.name}: writing ${policyCount} policies`);
      const started = performance.now();
      let written = policyCount;
      if (how === 'apply') await applyCatalog(broker, { policies });
      else written = await postOneByOne(broker, policies, parallel, limitSeconds);
      const seconds = (performance.now() - started) / 1000;
      env.log(`${broker.name}: ${written} policies in ${seconds.toFixed(1)} s`);
      const load: Load = { broker, seconds, written };
      if (written === policyCount) {
        load.probeBody = await firstAnswer({
          label: broker.name,
          url: broker.tokenUrl,
          cycle: cycleOf([lastProbe]),
          server: broker.server,
          expectedStatus: 200,
        });
      }
      const stored = await storedPolicies(broker);
      if (stored !== written) failures.push(`${broker.name}: ${written} policies written, ${stored} stored`);
      notes.push(
        `${broker.name}: ${written} of ${policyCount} policies in ${seconds.toFixed(1)} s ` +
          `(${(written / seconds).toFixed(0)}/s), ${stored} stored` +
          (load.probeBody === undefined ? '' : '; the last one grants its exchange'),
      );
      const audit = await checkAllIssuedAudits([
        {
          databaseUrl: broker.databaseUrl,
          label: broker.name,
          runs: [
            probeRuns(
              {
                label: broker.name,
                url: broker.tokenUrl,
                cycle: cycleOf([lastProbe]),
                server: broker.server,
                expectedStatus: 200,
              },
              load.probeBody === undefined ? [] : [load.probeBody],
            ),
          ],
        },
      ]);
      notes.push(...audit.notes);
      failures.push(...audit.failures);
      loads.push(load);
      await broker.stop();
    }

    const [apply, single] = loads;
    if (apply === undefined || single === undefined) throw new Error('no loads');
    const singleComplete = single.written === policyCount;
    // when the single POSTs ran out of time, the figure is their rate carried on to every policy
    const singleSeconds = singleComplete ? single.seconds : (single.seconds * policyCount) / single.written;
    if (!singleComplete) {
      notes.push(
        `single POSTs stopped after ${limitSeconds} s (BENCH_BULK_LIMIT_SECONDS): the figure is their rate ` +
          'carried on to every policy, a lower bound if a POST costs more as the catalog grows',
      );
    }
    return {
      figures: [
        {
          what: `loading ${policyCount} policies with one POST /admin/v1/apply`,
          value: apply.seconds,
          unit: 's',
          target: `< ${APPLY_TARGET_SECONDS} s`,
          met: apply.seconds < APPLY_TARGET_SECONDS,
        },
        {
          what: `loading ${policyCount} policies one POST at a time, ${parallel} in parallel${singleComplete ? '' : ' (extrapolated)'}`,
          value: singleSeconds,
          unit: 's',
          baseline: `bulk apply ${apply.seconds.toFixed(1)} s`,
          target: `< ${SINGLE_TARGET_SECONDS} s`,
          met: singleSeconds < SINGLE_TARGET_SECONDS,
        },
      ],
      notes,
      failures,
    };
  },
};
