// `reload`: two replicas on one database with 10,000 policies, under steady /token load on both. Single
// admin writes (a POST of a new policy, then a PATCH of it) go to the first replica; each is timed until
// both replicas grant the exchange only it allows. /token p99 in windows with writes vs windows without.
import { percentile, sleep } from '../bench-support';
import {
  cycleOf,
  describeRuns,
  median,
  pooledLatencies,
  unexpectedAnswers,
  type LoadTarget,
} from './alternating-load';
import { checkAllIssuedAudits } from './audit-check';
import { exchangeBodies, startWorkload } from './bench-workload';
import {
  addPolicyWrite,
  changeIdentity,
  describeChange,
  effectTimes,
  patchPolicyWrite,
  REFUSED_IDENTITY,
} from './catalog-change';
import { ChangeProber, type ChangeTiming } from './change-prober';
import { loadTogether, probeRuns, recordRound, runsOf } from './concurrent-load';
import { loadPlan, positiveInt } from './knobs';
import { LOADED_PLATFORM, spreadBodies, startLoadedReplicas } from './loaded-catalog';
import type { BenchScenario } from './scenario';

const EFFECT_TARGET_MS = 200;
const P99_RAISE_TARGET_MS = 20;

export const reloadScenario: BenchScenario = {
  name: 'reload',
  summary: 'one admin write with 10,000 policies: time until both replicas serve it, /token p99 meanwhile',
  async run(env) {
    const plan = loadPlan({ rounds: 2, seconds: 10, warmupSeconds: 5, connections: 4 });
    const policyCount = positiveInt('BENCH_POLICIES', 10_000);
    const writeCount = positiveInt('BENCH_WRITES', 20);
    const writesPerRound = Math.ceil(writeCount / plan.rounds);
    const tokenCount = positiveInt('BENCH_TOKENS', 2000);

    const workload = await startWorkload(env);
    env.log(`minting ${tokenCount} tokens over ${policyCount} policies, and the probes`);
    const bodies = await spreadBodies(workload, tokenCount, policyCount);
    const changes = Math.ceil(writeCount / 2);
    // probe 2k - 2 is what the k-th POST grants, 2k - 1 what its PATCH adds
    const probes = await exchangeBodies(workload, 2 * changes, (i) =>
      changeIdentity(Math.floor(i / 2) + 1, i % 2 === 0 ? 'added' : 'patched'),
    );
    const [refused] = await exchangeBodies(workload, 1, () => REFUSED_IDENTITY);
    const { replicas, applySeconds } = await startLoadedReplicas(env, workload, policyCount, 2);
    const [writer] = replicas;
    if (writer === undefined) throw new Error('no replica');

    const targets: LoadTarget[] = replicas.map((replica) => ({
      label: replica.name,
      url: replica.tokenUrl,
      cycle: cycleOf(bodies),
      server: replica.server,
      expectedStatus: 200,
    }));
    // the probes run throughout, so that windows with and without writes differ only by the writes
    const prober = new ChangeProber(replicas, refused ?? '');
    prober.start();
    env.log(`warming up ${plan.warmupSeconds} s, ${plan.connections} connections per replica`);
    const warmups = await loadTogether(targets, plan.connections, plan.warmupSeconds);
    const quiet = targets.map((target, i) =>
      runsOf({ ...target, label: `${target.label} without writes` }, warmups[i]),
    );
    const writing = targets.map((target) => runsOf({ ...target, label: `${target.label} during writes` }));

    const timings: ChangeTiming[] = [];
    const writes = Array.from({ length: writeCount }, (_, i) => {
      const k = Math.floor(i / 2) + 1;
      return {
        write:
          i % 2 === 0
            ? addPolicyWrite(writer, LOADED_PLATFORM, k)
            : patchPolicyWrite(writer, LOADED_PLATFORM, k),
        probe: probes[i] ?? '',
      };
    });
    for (let round = 1; round <= plan.rounds; round++) {
      env.log(`round ${round} of ${plan.rounds}: ${plan.seconds} s without writes`);
      (await loadTogether(targets, plan.connections, plan.seconds)).forEach((result, i) => {
        const runs = quiet[i];
        if (runs !== undefined) recordRound(runs, result);
      });
      const batch = writes.splice(0, writesPerRound);
      env.log(`round ${round} of ${plan.rounds}: ${plan.seconds} s with ${batch.length} writes`);
      const load = loadTogether(targets, plan.connections, plan.seconds);
      const started = Date.now();
      const gapMs = (plan.seconds * 1000) / (batch.length + 1);
      for (const [j, { write, probe }] of batch.entries()) {
        await sleep(Math.max(0, started + gapMs * (j + 1) - Date.now()));
        timings.push(await prober.time(write, probe));
      }
      (await load).forEach((result, i) => {
        const runs = writing[i];
        if (runs !== undefined) recordRound(runs, result);
      });
    }

    await prober.stop();
    const probeTarget = targets[0];
    if (probeTarget === undefined) throw new Error('no target');
    const audit = await checkAllIssuedAudits([
      {
        databaseUrl: writer.databaseUrl,
        label: 'both replicas',
        runs: [...quiet, ...writing, probeRuns(probeTarget, prober.okBodies)],
      },
    ]);

    const effects = effectTimes(timings);
    const worst = effects[effects.length - 1] ?? Number.NaN;
    const typical = median(effects);
    const quietLatencies = quiet.flatMap(pooledLatencies).sort((a, b) => a - b);
    const writingLatencies = writing.flatMap(pooledLatencies).sort((a, b) => a - b);
    const quietP99 = percentile(quietLatencies, 0.99);
    const writingP99 = percentile(writingLatencies, 0.99);
    const raise = writingP99 - quietP99;
    return {
      figures: [
        {
          what: `one admin write, ${policyCount} policies, until both replicas serve it: worst`,
          value: worst,
          unit: 'ms',
          baseline: `median ${typical.toFixed(0)} ms`,
          target: `< ${EFFECT_TARGET_MS} ms`,
          met: worst < EFFECT_TARGET_MS,
        },
        {
          what: `/token p99 raised while admin writes take effect, ${policyCount} policies`,
          value: raise,
          unit: 'ms',
          baseline: `p99 ${quietP99.toFixed(1)} ms without writes`,
          target: `<= ${P99_RAISE_TARGET_MS} ms`,
          met: raise <= P99_RAISE_TARGET_MS,
        },
      ],
      notes: [
        `${policyCount} policies applied in ${applySeconds.toFixed(1)} s; 2 replicas on one database, ` +
          `${plan.connections} connections each; ${plan.rounds} rounds of ${plan.seconds} s without writes, ` +
          `then ${plan.seconds} s with ${writesPerRound} writes, after ${plan.warmupSeconds} s warm-up`,
        `time to effect over ${timings.length} writes × ${replicas.length} replicas: median ${typical.toFixed(0)} ms, ` +
          `p90 ${percentile(effects, 0.9).toFixed(0)} ms, worst ${worst.toFixed(0)} ms ` +
          `(from sending the write to the first grant; the probe polls every 5 ms)`,
        `/token p99 without writes ${quietP99.toFixed(1)} ms, during writes ${writingP99.toFixed(1)} ms`,
        ...quiet.map(describeRuns),
        ...writing.map(describeRuns),
        ...timings.map((timing) => describeChange(timing, replicas)),
        ...audit.notes,
      ],
      failures: [...[...quiet, ...writing].flatMap(unexpectedAnswers), ...audit.failures],
    };
  },
};
