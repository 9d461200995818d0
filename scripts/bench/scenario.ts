// The shape every `npm run bench -- --scenario <name>` scenario has: it measures its figures beside a
// baseline from the same run and says, per figure, whether the target was met.

/** One measured figure, printed beside its baseline and target. */
export interface ScenarioFigure {
  /** What was measured, e.g. `/token grants, 10,000 policies vs 1`. */
  what: string;
  /** The figure itself, in `unit`: a ratio to the baseline where the target is one. */
  value: number;
  unit: string;
  /** The baseline measured in the same run, in words, e.g. `1 policy: 812 tokens/s`. */
  baseline?: string;
  /** The target, in words, e.g. `>= 0.8`. */
  target: string;
  /** Whether `value` meets `target`; undefined when the figure has no target. */
  met: boolean | undefined;
}

export interface ScenarioOutcome {
  figures: ScenarioFigure[];
  /** Lines printed under the figures: raw numbers, per-round ratios, the audit check. */
  notes: string[];
  /** What went wrong (a non-2xx, a 200 without its audit row): the bench exits 1 when any. */
  failures: string[];
}

/** What the bench hands every scenario. */
export interface BenchEnvironment {
  /** A PostgreSQL server URL on which the scenario may create (and must drop) its own databases. */
  postgresUrl: string;
  log(line: string): void;
  /** Undone in reverse order on exit, error or Ctrl-C. */
  cleanups: (() => Promise<void>)[];
}

export interface BenchScenario {
  name: string;
  /** One line for `--help` and the report. */
  summary: string;
  run(env: BenchEnvironment): Promise<ScenarioOutcome>;
}
