// The ideal baseline (scripts/bench-baseline.ts) in a child process, trusting the workload's cluster.
import { join } from 'node:path';
import { freePort, startChild, waitForHttp, type ChildServer } from '../bench-support';
import type { BenchWorkload } from './bench-workload';
import { BENCH_BROKER_ISSUER } from './broker-process';
import { nodeArgsOf } from './knobs';
import type { BenchEnvironment } from './scenario';

const BASELINE_MAIN = join(__dirname, '../bench-baseline.js');

export interface BenchBaseline {
  readonly server: ChildServer;
  readonly tokenUrl: string;
}

/** Starts the baseline (node arguments from `BENCH_BASELINE_NODE_ARGS`); stopped at clean-up. */
export async function startBenchBaseline(
  env: BenchEnvironment,
  workload: BenchWorkload,
): Promise<BenchBaseline> {
  const port = await freePort();
  const server = startChild(
    'baseline',
    BASELINE_MAIN,
    {
      BASELINE_PORT: String(port),
      BASELINE_SUBJECT_ISSUER: workload.cluster.issuer,
      BASELINE_SUBJECT_AUDIENCE: workload.subjectAudience,
      BASELINE_SUBJECT_JWKS: JSON.stringify(workload.jwks),
      BASELINE_ISSUER: BENCH_BROKER_ISSUER,
      BASELINE_TOKEN_AUDIENCE: workload.apiAudience,
    },
    nodeArgsOf('BENCH_BASELINE_NODE_ARGS'),
  );
  env.cleanups.push(() => server.stop());
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(`${baseUrl}/healthz`, server);
  return { server, tokenUrl: `${baseUrl}/token` };
}
