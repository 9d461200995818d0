import { stringify } from 'yaml';
import type { CliIo } from './cli-command';

/** Prints rows under a header, columns aligned; an empty cell shows as `-`. */
export function printTable(io: CliIo, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === '' ? '-' : cell)))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  for (const row of cells) {
    io.out(
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    );
  }
}

/** Prints a value as indented JSON, for scripts. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** Prints a resource as YAML, for people (and for editing and applying again). */
export function printYaml(io: CliIo, value: unknown): void {
  io.out(stringify(value).trimEnd());
}

/**
 * The `warnings` of a write's answer (a TTL the broker will cut, a condition on mutable names, …),
 * each as a line: strings as they are, objects as `field: message` (or as JSON).
 */
export function warningsOf(body: unknown): string[] {
  const warnings = (body as { warnings?: unknown } | null)?.warnings;
  if (!Array.isArray(warnings)) return [];
  return warnings.map((warning: unknown) => {
    if (typeof warning === 'string') return warning;
    const { message, field } = (warning ?? {}) as { message?: unknown; field?: unknown };
    if (typeof message !== 'string') return JSON.stringify(warning);
    return typeof field === 'string' ? `${field}: ${message}` : message;
  });
}

/** A cell of a table: strings as they are, lists joined, nothing as empty. */
export function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(cell).join(',');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
