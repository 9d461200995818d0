// `soak`: one broker with 10,000 policies under /token load for BENCH_SOAK_SECONDS (600), its RSS
// sampled every 10 s; the figure is the growth from the first minute to the last. Also what the audit
// trail costs PostgreSQL at that rate: WAL bytes, rows and bytes per token.
import { accessTokenJti, runLoad } from '../bench-support';
import { cycleOf } from './alternating-load';
import { checkIssuedJtis } from './audit-check';
import { auditFootprint, walBytesSince, walPosition } from './audit-footprint';
import { startWorkload } from './bench-workload';
import { imageNodeOptions } from './broker-process';
import { loadPlan, nodeArgsOf, positiveInt } from './knobs';
import { spreadBodies, startLoadedReplicas } from './loaded-catalog';
import type { BenchScenario } from './scenario';

const SAMPLE_SECONDS = 10;
const GROWTH_TARGET = 0.1;
const RSS_TARGET_MIB = 250;
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const DAY = 86_400;

function mean(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0) / values.length;
}

export const soakScenario: BenchScenario = {
  name: 'soak',
  summary: '10 minutes of /token load with 10,000 policies: RSS growth, WAL bytes and audit rows per token',
  async run(env) {
    const plan = loadPlan({ rounds: 1, seconds: SAMPLE_SECONDS, warmupSeconds: 10, connections: 16 });
    const soakSeconds = positiveInt('BENCH_SOAK_SECONDS', 600);
    const policyCount = positiveInt('BENCH_POLICIES', 10_000);
    const tokenCount = positiveInt('BENCH_TOKENS', 5000);
    const workload = await startWorkload(env);
    env.log(`minting ${tokenCount} tokens over ${policyCount} policies`);
    const bodies = await spreadBodies(workload, tokenCount, policyCount);
    const {
      replicas: [broker],
    } = await startLoadedReplicas(env, workload, policyCount);
    if (broker === undefined) throw new Error('no broker');
    const cycle = cycleOf(bodies);

    const okJtis: (string | undefined)[] = [];
    let unanswered = 0;
    const statusCodes: Record<string, number> = {};
    const failures: string[] = [];
    const record = (result: Awaited<ReturnType<typeof runLoad>>, when: string): void => {
      okJtis.push(...result.okBodies.map(accessTokenJti));
      unanswered += result.unanswered;
      for (const [code, count] of Object.entries(result.statusCodes)) {
        statusCodes[code] = (statusCodes[code] ?? 0) + count;
      }
      const other = Object.entries(result.statusCodes).filter(([code]) => code !== '200');
      if (other.length > 0 || result.errors > 0) {
        failures.push(
          `${when}: ${other.map(([code, n]) => `${n} × ${code}`).join(', ')}, ${result.errors} errors`,
        );
      }
    };

    env.log(`warming up ${plan.warmupSeconds} s with ${plan.connections} connections`);
    record(await runLoad(broker.tokenUrl, cycle, plan.connections, plan.warmupSeconds), 'warm-up');
    const issuedBefore = okJtis.length;
    const walStart = await walPosition(env.postgresUrl);
    const auditStart = await auditFootprint(broker.databaseUrl);

    const rssMiB: number[] = [];
    const samples = Math.max(2, Math.round(soakSeconds / SAMPLE_SECONDS));
    env.log(`soaking ${samples * SAMPLE_SECONDS} s, RSS every ${SAMPLE_SECONDS} s`);
    let measuredSeconds = 0;
    for (let sample = 1; sample <= samples; sample++) {
      const result = await runLoad(broker.tokenUrl, cycle, plan.connections, SAMPLE_SECONDS);
      if (!broker.server.running()) throw new Error(`${broker.name} exited:\n${broker.server.output()}`);
      record(result, `sample ${sample}`);
      measuredSeconds += result.seconds;
      rssMiB.push((await broker.rssBytes()) / MIB);
      if (sample % 6 === 0)
        env.log(`${sample * SAMPLE_SECONDS} s: RSS ${rssMiB[rssMiB.length - 1]?.toFixed(0)} MiB`);
    }

    const issued = okJtis.length - issuedBefore;
    const walBytes = await walBytesSince(env.postgresUrl, walStart);
    const auditEnd = await auditFootprint(broker.databaseUrl);
    const audit = await checkIssuedJtis(broker.databaseUrl, broker.name, okJtis, unanswered);

    // a minute of samples at each end, or half of them in a shorter soak
    const window = Math.min(60 / SAMPLE_SECONDS, Math.floor(rssMiB.length / 2));
    const first = mean(rssMiB.slice(0, window));
    const last = mean(rssMiB.slice(-window));
    const growth = last / first - 1;
    const peak = Math.max(...rssMiB);
    const rate = issued / measuredSeconds;
    const rows = auditEnd.rows - auditStart.rows;
    const bytesPerRow = auditEnd.bytes / auditEnd.rows;
    return {
      figures: [
        {
          what: `broker RSS growth over ${samples * SAMPLE_SECONDS} s at load, ${policyCount} policies, last minute vs first`,
          value: growth * 100,
          unit: '%',
          baseline: `first minute ${first.toFixed(0)} MiB`,
          target: `<= +${GROWTH_TARGET * 100}%`,
          met: growth <= GROWTH_TARGET,
        },
        {
          what: `broker RSS at load, ${policyCount} policies, peak`,
          value: peak,
          unit: 'MiB',
          target: `<= ${RSS_TARGET_MIB} MiB`,
          met: peak <= RSS_TARGET_MIB,
        },
      ],
      notes: [
        `${plan.connections} connections, ${tokenCount} distinct tokens, after ${plan.warmupSeconds} s warm-up; ` +
          `${rate.toFixed(0)} tokens/s over ${measuredSeconds.toFixed(0)} s, status ${JSON.stringify(statusCodes)}`,
        `RSS MiB every ${SAMPLE_SECONDS} s: ${rssMiB.map((mib) => mib.toFixed(0)).join(', ')}`,
        `node options: ${[imageNodeOptions(), ...nodeArgsOf('BENCH_BROKER_NODE_ARGS')].join(' ')}`,
        `WAL ${(walBytes / issued).toFixed(0)} bytes per token (${(walBytes / MIB).toFixed(1)} MiB for ${issued} tokens; ` +
          `server-wide, so anything else writing on the server counts too)`,
        `audit rows ${(rows / issued).toFixed(2)} per token; audit storage ${bytesPerRow.toFixed(0)} bytes per ` +
          `event, indexes included (${auditEnd.rows} events, ${(auditEnd.bytes / MIB).toFixed(1)} MiB)`,
        `at ${rate.toFixed(0)} tokens/s all day: ${((rate * DAY * rows) / issued / 1e6).toFixed(1)} million audit rows, ` +
          `${((rate * DAY * walBytes) / issued / GIB).toFixed(1)} GiB of WAL, ` +
          `${((rate * DAY * bytesPerRow) / GIB).toFixed(1)} GiB of audit storage per day`,
        ...audit.lines,
      ],
      failures: [...failures, ...(audit.ok ? [] : [`the audit check of ${broker.name} failed`])],
    };
  },
};
