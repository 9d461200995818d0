// How figures are shown: one line each on the terminal, and a markdown table for the README.
import type { ScenarioFigure } from './scenario';

export const TABLE_START = '<!-- bench-table -->';
export const TABLE_END = '<!-- /bench-table -->';

/** The figure with as many digits as its size needs. */
export function formatValue(figure: ScenarioFigure): string {
  const magnitude = Math.abs(figure.value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return `${figure.value.toFixed(digits)}${figure.unit === '' ? '' : ` ${figure.unit}`}`;
}

function metWord(met: boolean | undefined): string {
  if (met === undefined) return '–';
  return met ? 'yes' : '**no**';
}

/** One line: `scenario: what = figure (baseline …; target …: met)`. */
export function figureLine(scenario: string, figure: ScenarioFigure): string {
  const baseline = figure.baseline === undefined ? '' : `baseline ${figure.baseline}; `;
  const met = figure.met === undefined ? '' : figure.met ? ' met' : ' NOT met';
  return `${scenario}: ${figure.what} = ${formatValue(figure)} (${baseline}target ${figure.target}${met})`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The markdown table of every figure of a run, scenario by scenario. */
export function markdownTable(
  results: readonly { scenario: string; figures: readonly ScenarioFigure[] }[],
): string {
  const rows = results.flatMap(({ scenario, figures }) =>
    figures.map((figure) =>
      [
        `\`${scenario}\`: ${figure.what}`,
        formatValue(figure),
        figure.baseline ?? '–',
        figure.target,
        metWord(figure.met),
      ].map(cell),
    ),
  );
  return alignedTable(['what', 'figure', 'baseline', 'target', 'met'], rows);
}

/** A markdown table with its columns padded to one width, as Prettier writes it, so `lint` keeps it. */
function alignedTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(3, title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${widths.map((width, column) => (cells[column] ?? '').padEnd(width)).join(' | ')} |`;
  return [
    line(header),
    `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n');
}

/** `readme` with the text between the table markers replaced by `table` and how it was made. */
export function replaceTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${TABLE_START} … ${TABLE_END} markers`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${table}\n${readme.slice(end)}`;
}
