// `scale-out`: /token grants per second of one replica vs two replicas on one database (as in
// docker-compose.yml) with the same connections split across both, in alternating rounds; then
// catalog changes written to one replica, timed until both serve them.
import { cpus } from 'node:os';
import {
  cycleOf,
  describeRuns,
  median,
  roundRates,
  unexpectedAnswers,
  type LoadTarget,
  type TargetRuns,
} from './alternating-load';
import { checkAllIssuedAudits } from './audit-check';
import { exchangeBodies, startWorkload } from './bench-workload';
import {
  addPolicyWrite,
  changeIdentity,
  describeChange,
  effectTimes,
  REFUSED_IDENTITY,
} from './catalog-change';
import { ChangeProber, type ChangeTiming } from './change-prober';
import { loadTogether, probeRuns, recordRound, runsOf } from './concurrent-load';
import { loadPlan, positiveInt } from './knobs';
import { CpuTally, readCpu } from './process-cpu';
import { LOADED_PLATFORM, spreadBodies, startLoadedReplicas } from './loaded-catalog';
import type { BenchScenario } from './scenario';

/** "About twice": what two replicas must serve, as a multiple of one, where cores allow. */
const SCALE_TARGET = 1.8;
/** Two replicas need about twice what one keeps busy: room for it while one keeps less than this. */
const CORES_LEFT_BELOW = 0.5;
const EFFECT_TARGET_MS = 200;

export const scaleOutScenario: BenchScenario = {
  name: 'scale-out',
  summary: '/token grants, two replicas on one database vs one, and a catalog change seen by both',
  async run(env) {
    const plan = loadPlan({ rounds: 3, seconds: 6, warmupSeconds: 5, connections: 32 });
    const policyCount = positiveInt('BENCH_POLICIES', 10_000);
    const tokenCount = positiveInt('BENCH_TOKENS', 5000);
    const changeCount = positiveInt('BENCH_CHANGES', 5);
    const workload = await startWorkload(env);
    env.log(`minting ${tokenCount} tokens over ${policyCount} policies, and the probes`);
    const bodies = await spreadBodies(workload, tokenCount, policyCount);
    const probes = await exchangeBodies(workload, changeCount, (i) => changeIdentity(i + 1, 'added'));
    const [refused] = await exchangeBodies(workload, 1, () => REFUSED_IDENTITY);
    const { replicas, applySeconds } = await startLoadedReplicas(env, workload, policyCount, 2);
    const [writer] = replicas;
    if (writer === undefined) throw new Error('no replica');

    const target = (label: string, index: number): LoadTarget => {
      const replica = replicas[index];
      if (replica === undefined) throw new Error(`no replica ${index + 1}`);
      return {
        label,
        url: replica.tokenUrl,
        cycle: cycleOf(bodies),
        server: replica.server,
        expectedStatus: 200,
      };
    };
    const alone = target('one replica', 0);
    const pair = [target('replica-1 of two', 0), target('replica-2 of two', 1)];
    const split = Math.ceil(plan.connections / pair.length);

    env.log(`warming up ${plan.warmupSeconds} s: one replica, then two`);
    const [aloneWarmup] = await loadTogether([alone], plan.connections, plan.warmupSeconds);
    const aloneRuns = runsOf(alone, aloneWarmup);
    const pairWarmups = await loadTogether(pair, split, plan.warmupSeconds);
    const pairRuns = pair.map((half, i) => runsOf(half, pairWarmups[i]));
    const brokerPids = replicas.map((replica) => replica.server.pid);
    const aloneCpu = new CpuTally();
    const pairCpu = new CpuTally();
    for (let round = 1; round <= plan.rounds; round++) {
      env.log(
        `round ${round} of ${plan.rounds}: one replica, ${plan.connections} connections, ${plan.seconds} s`,
      );
      const aloneStart = readCpu(brokerPids);
      (await loadTogether([alone], plan.connections, plan.seconds)).forEach((result) =>
        recordRound(aloneRuns, result),
      );
      aloneCpu.add(aloneStart, readCpu(brokerPids));
      env.log(`round ${round} of ${plan.rounds}: two replicas, ${split} connections each, ${plan.seconds} s`);
      const pairStart = readCpu(brokerPids);
      const results = await loadTogether(pair, split, plan.seconds);
      pairCpu.add(pairStart, readCpu(brokerPids));
      pairRuns.forEach((runs, i) => {
        const result = results[i];
        if (result !== undefined) recordRound(runs, result);
      });
    }

    const timings: ChangeTiming[] = [];
    const prober = new ChangeProber(replicas, refused ?? '');
    prober.start();
    for (let k = 1; k <= changeCount; k++) {
      timings.push(await prober.time(addPolicyWrite(writer, LOADED_PLATFORM, k), probes[k - 1] ?? ''));
    }
    await prober.stop();

    const audit = await checkAllIssuedAudits([
      {
        databaseUrl: writer.databaseUrl,
        label: 'both replicas',
        runs: [aloneRuns, ...pairRuns, probeRuns(alone, prober.okBodies)],
      },
    ]);
    const oneRates = roundRates(aloneRuns);
    const pairRates = oneRates.map((_, round) =>
      pairRuns.reduce((total, runs) => total + (roundRates(runs)[round] ?? 0), 0),
    );
    const oneRate = median(oneRates);
    const twoRate = median(pairRates);
    const ratio = twoRate / oneRate;
    const grantsOf = (runs: readonly TargetRuns[]): number =>
      runs.reduce((total, run) => total + run.rounds.reduce((sum, round) => sum + round.ok, 0), 0);
    const aloneCpuPerGrant = aloneCpu.microsPer(grantsOf([aloneRuns]));
    const pairCpuPerGrant = pairCpu.microsPer(grantsOf(pairRuns));
    const cpuNote =
      aloneCpuPerGrant === undefined || pairCpuPerGrant === undefined
        ? []
        : [
            `broker CPU per grant (both processes, all threads, measured rounds): one replica ` +
              `${aloneCpuPerGrant.toFixed(0)} µs, two ${pairCpuPerGrant.toFixed(0)} µs ` +
              `(${(pairCpuPerGrant / aloneCpuPerGrant).toFixed(2)}x: where they share cores, two busy ` +
              `replicas also pay for switching between them, and each commits smaller audit batches)`,
          ];
    const busyAlone = aloneCpu.machineBusy;
    // where one replica already keeps the cores busy, a second one can only share them
    const coresAllow = busyAlone !== undefined && busyAlone < CORES_LEFT_BELOW;
    const effects = effectTimes(timings);
    const worst = effects[effects.length - 1] ?? Number.NaN;
    return {
      figures: [
        {
          what: `/token grants, two replicas on one database / one replica, ${policyCount} policies, ${plan.connections} connections`,
          value: ratio,
          unit: 'of one replica',
          baseline: `one replica ${oneRate.toFixed(0)} tokens/s`,
          target: `≈ 2 where cores allow (>= ${SCALE_TARGET})`,
          met: coresAllow ? ratio >= SCALE_TARGET : undefined,
        },
        {
          what: `a catalog change written to one replica, until both serve it: worst`,
          value: worst,
          unit: 'ms',
          baseline: `median ${median(effects).toFixed(0)} ms`,
          target: `< ${EFFECT_TARGET_MS} ms`,
          met: worst < EFFECT_TARGET_MS,
        },
      ],
      notes: [
        `${cpus().length} cores shared by the load generator, PostgreSQL and both brokers: two replicas can ` +
          `only add what the cores one replica leaves idle allow; with one replica the machine was ` +
          `${busyAlone === undefined ? 'of unknown load' : `${(busyAlone * 100).toFixed(0)}% busy`}, so ` +
          `the rate ratio is ${coresAllow ? '' : 'not '}held to its target (cores allow a second replica ` +
          `below ${(CORES_LEFT_BELOW * 100).toFixed(0)}%)`,
        ...cpuNote,
        `${policyCount} policies applied in ${applySeconds.toFixed(1)} s; ${plan.rounds} alternating rounds of ` +
          `${plan.seconds} s after ${plan.warmupSeconds} s warm-up; two replicas: ${split} connections each`,
        `two replicas: ${twoRate.toFixed(0)} tokens/s median (rounds ${pairRates.map((rate) => rate.toFixed(0)).join(', ')}); ` +
          `two / one per round: ${pairRates.map((rate, i) => (rate / (oneRates[i] ?? Number.NaN)).toFixed(2)).join(', ')}`,
        ...[aloneRuns, ...pairRuns].map(describeRuns),
        ...timings.map((timing) => describeChange(timing, replicas)),
        ...audit.notes,
      ],
      failures: [...[aloneRuns, ...pairRuns].flatMap(unexpectedAnswers), ...audit.failures],
    };
  },
};
