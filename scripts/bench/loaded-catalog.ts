// Brokers with a large catalog: one platform trusting the workload's cluster and N generated
// policies, loaded with one bulk apply; more replicas on the same database load it at start-up.
import {
  applyCatalog,
  exchangeBodies,
  generatedIdentity,
  generatedPolicies,
  kubernetesPlatform,
  type BenchWorkload,
} from './bench-workload';
import { startBenchBroker, type BenchBroker } from './broker-process';
import { nodeArgsOf } from './knobs';
import type { BenchEnvironment } from './scenario';

/** The platform every loaded catalog's policies belong to. */
export const LOADED_PLATFORM = 'bench';

/** A prime that spreads request `i` over the policies: `i * STRIDE mod count` visits each in turn. */
const STRIDE = 7919;

export interface LoadedReplicas {
  /** The first replica, which created the catalog; the others share its database. */
  replicas: BenchBroker[];
  /** How long the bulk apply of the policies took. */
  applySeconds: number;
}

/** `count` replicas on one fresh database holding `policyCount` generated policies. */
export async function startLoadedReplicas(
  env: BenchEnvironment,
  workload: BenchWorkload,
  policyCount: number,
  count = 1,
): Promise<LoadedReplicas> {
  const nodeArgs = nodeArgsOf('BENCH_BROKER_NODE_ARGS');
  const first = await startBenchBroker(env, { name: 'replica-1', nodeArgs });
  await applyCatalog(first, { platforms: [kubernetesPlatform(workload, LOADED_PLATFORM)] });
  env.log(`${first.name}: applying ${policyCount} policies`);
  const started = performance.now();
  await applyCatalog(first, { policies: generatedPolicies(LOADED_PLATFORM, policyCount) });
  const applySeconds = (performance.now() - started) / 1000;
  env.log(`${first.name}: ${policyCount} policies applied in ${applySeconds.toFixed(1)} s`);
  const replicas = [first];
  for (let n = 2; n <= count; n++) {
    replicas.push(
      await startBenchBroker(env, { name: `replica-${n}`, databaseUrl: first.databaseUrl, nodeArgs }),
    );
  }
  return { replicas, applySeconds };
}

/** `count` exchange forms whose identities are spread over all `policyCount` generated policies. */
export function spreadBodies(workload: BenchWorkload, count: number, policyCount: number): Promise<string[]> {
  return exchangeBodies(workload, count, (i) => generatedIdentity((i * STRIDE) % policyCount));
}
