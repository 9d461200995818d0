// CPU time of a server under test, from /proc on Linux: per answered request it is a figure a busy
// machine moves far less than a rate, since time the process waits for a core is not counted.
import { readFileSync } from 'node:fs';

/** `USER_HZ`: the unit of the CPU times in `/proc/<pid>/stat`, 100 on every Linux port in use. */
const CLOCK_TICKS_PER_SECOND = 100;

/** User plus system CPU of process `pid`, all its threads, so far, in ms; undefined without `/proc`. */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces; the fields after it are space-separated numbers.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** CPU read at one moment: the machine's (every core, from `/proc/stat`) and some processes'. */
export interface CpuReading {
  machineBusyMs: number;
  machineTotalMs: number;
  processesMs: number;
}

/** The machine's CPU and that of `pids` so far; undefined without `/proc`. */
export function readCpu(pids: readonly number[]): CpuReading | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  // cpu  user nice system idle iowait irq softirq steal …: idle and iowait are the time nothing ran
  const ticks = (stat.split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, tick) => sum + tick, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  let processesMs = 0;
  for (const pid of pids) {
    const ms = processCpuMs(pid);
    if (ms === undefined) return undefined;
    processesMs += ms;
  }
  const toMs = (count: number): number => (count * 1000) / CLOCK_TICKS_PER_SECOND;
  return { machineBusyMs: toMs(total - idle), machineTotalMs: toMs(total), processesMs };
}

/** What a set of processes and the machine spent over some stretches of load, added up. */
export class CpuTally {
  private machineBusyMs = 0;
  private machineTotalMs = 0;
  private processesMs = 0;
  private known = true;

  /** Adds the stretch between two readings. */
  add(before: CpuReading | undefined, after: CpuReading | undefined): void {
    if (before === undefined || after === undefined) {
      this.known = false;
      return;
    }
    this.machineBusyMs += after.machineBusyMs - before.machineBusyMs;
    this.machineTotalMs += after.machineTotalMs - before.machineTotalMs;
    this.processesMs += after.processesMs - before.processesMs;
  }

  /** The share of every core that was busy, 0 to 1; undefined without `/proc`. */
  get machineBusy(): number | undefined {
    return this.known && this.machineTotalMs > 0 ? this.machineBusyMs / this.machineTotalMs : undefined;
  }

  /** Microseconds the processes spent per answer, for `answers` answered meanwhile. */
  microsPer(answers: number): number | undefined {
    return this.known && answers > 0 ? (this.processesMs * 1000) / answers : undefined;
  }
}
