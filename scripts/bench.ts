// `npm run bench [-- --scenario <name>[,<name>…] | all] [--list] [--update-readme]`: runs the named
// scenarios (default `token`) one after the other, each measuring its figures beside a baseline from
// the same run, prints every figure beside its baseline and target, and writes the table of all
// figures to bench-results.md (and, with --update-readme, between the README's bench-table markers).
// BENCH_POSTGRES_URL is the PostgreSQL server scenarios create their databases on. Exits 1 when a
// scenario failed (an unexpected answer, a 200 without its audit row, an error); a target not met is
// reported, not a failure.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { figureLine, markdownTable, replaceTable } from './bench/report';
import type { BenchEnvironment, ScenarioFigure } from './bench/scenario';
import { scenarios } from './bench/scenarios';

const ROOT = join(__dirname, '..', '..');
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Options {
  names: string[];
  list: boolean;
  updateReadme: boolean;
}

function usage(): string {
  return [
    'usage: npm run bench -- [--scenario <name>[,<name>…] | all] [--list] [--update-readme]',
    'scenarios:',
    ...scenarios.map((scenario) => `  ${scenario.name.padEnd(16)} ${scenario.summary}`),
  ].join('\n');
}

function parseOptions(args: readonly string[]): Options {
  const options: Options = { names: [], list: false, updateReadme: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--list' || arg === '--help' || arg === '-h') options.list = true;
    else if (arg === '--update-readme') options.updateReadme = true;
    else if (arg === '--scenario' || arg.startsWith('--scenario=')) {
      const value = arg === '--scenario' ? args[++i] : arg.slice('--scenario='.length);
      if (value === undefined || value === '') throw new Error(`--scenario needs a name\n${usage()}`);
      options.names.push(...value.split(',').filter((name) => name !== ''));
    } else throw new Error(`unknown argument ${arg}\n${usage()}`);
  }
  if (options.names.length === 0) options.names = ['token'];
  if (options.names.includes('all')) options.names = scenarios.map((scenario) => scenario.name);
  const unknown = options.names.filter((name) => !scenarios.some((scenario) => scenario.name === name));
  if (unknown.length > 0) throw new Error(`no scenario ${unknown.join(', ')}\n${usage()}`);
  return options;
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

let current: BenchEnvironment | undefined;

async function cleanUp(env: BenchEnvironment): Promise<void> {
  for (let undo = env.cleanups.pop(); undo !== undefined; undo = env.cleanups.pop()) {
    try {
      await undo();
    } catch (error) {
      log(`clean-up failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

interface ScenarioResult {
  scenario: string;
  figures: ScenarioFigure[];
  notes: string[];
  failures: string[];
}

async function runScenario(name: string): Promise<ScenarioResult> {
  const scenario = scenarios.find((candidate) => candidate.name === name);
  if (scenario === undefined) throw new Error(`no scenario ${name}`);
  const env: BenchEnvironment = {
    postgresUrl: POSTGRES_URL,
    log: (line) => log(`${name}: ${line}`),
    cleanups: [],
  };
  current = env;
  const started = Date.now();
  log(`${name}: ${scenario.summary}`);
  try {
    const outcome = await scenario.run(env);
    return { scenario: name, ...outcome };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return { scenario: name, figures: [], notes: [], failures: [`error: ${message}`] };
  } finally {
    await cleanUp(env);
    current = undefined;
    log(`${name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

function printResult(result: ScenarioResult): void {
  process.stdout.write(
    [
      '',
      ...result.figures.map((figure) => figureLine(result.scenario, figure)),
      ...result.notes.map((note) => `  ${note}`),
      ...result.failures.map((failure) => `  FAIL: ${failure}`),
      '',
    ].join('\n'),
  );
}

function resultsDocument(command: string, table: string, results: readonly ScenarioResult[]): string {
  return [
    '# Benchmark results',
    '',
    provenance(command),
    '',
    table,
    '',
    ...results.flatMap((result) => [
      `## ${result.scenario}`,
      '',
      ...[...result.notes, ...result.failures.map((failure) => `FAIL: ${failure}`)].map(
        (line) => `- ${line}`,
      ),
      '',
    ]),
  ].join('\n');
}

function provenance(command: string): string {
  const cpu = cpus();
  return `\`${command}\` on ${new Date().toISOString().slice(0, 10)}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, Node ${process.version}.`;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.list) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const results: ScenarioResult[] = [];
  for (const name of options.names) {
    const result = await runScenario(name);
    printResult(result);
    results.push(result);
  }

  const command = `npm run bench -- --scenario ${options.names.join(',')}`;
  const table = markdownTable(results);
  process.stdout.write(`\n${table}\n`);
  writeFileSync(join(ROOT, 'bench-results.md'), resultsDocument(command, table, results));
  if (options.updateReadme) {
    const readmePath = join(ROOT, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    writeFileSync(readmePath, replaceTable(readme, `\n${provenance(command)}\n\n${table}\n`));
    log('README.md: table updated');
  }
  const failures = results.flatMap((result) =>
    result.failures.map((failure) => `${result.scenario}: ${failure}`),
  );
  failures.forEach((failure) => log(`FAIL: ${failure.split('\n')[0] ?? ''}`));
  return failures.length === 0 ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void (current === undefined ? Promise.resolve() : cleanUp(current)).finally(() => process.exit(130));
  });
}

main()
  .catch((error: unknown) => {
    log(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  })
  .then((code) => process.exit(code))
  .catch(() => process.exit(1));
