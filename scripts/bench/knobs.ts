// Environment knobs of the scenarios (`BENCH_*`), each read where it is used with its own default.

/** A positive integer from the environment, or `fallback` when unset. */
export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** Extra `node` arguments from a space-separated variable (e.g. profiling flags). */
export function nodeArgsOf(name: string): string[] {
  return (process.env[name] ?? '').split(' ').filter((arg) => arg !== '');
}

/** How long and how hard a scenario loads its contenders. */
export interface LoadPlan {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
}

/** `BENCH_ROUNDS`, `BENCH_SECONDS`, `BENCH_WARMUP_SECONDS`, `BENCH_CONNECTIONS`, over the scenario's defaults. */
export function loadPlan(defaults: LoadPlan): LoadPlan {
  return {
    rounds: positiveInt('BENCH_ROUNDS', defaults.rounds),
    seconds: positiveInt('BENCH_SECONDS', defaults.seconds),
    warmupSeconds: positiveInt('BENCH_WARMUP_SECONDS', defaults.warmupSeconds),
    connections: positiveInt('BENCH_CONNECTIONS', defaults.connections),
  };
}
