import type { DataSource } from 'typeorm';

/** The SQL condition that `audit_strings` row `s` holds the text `value` (an expression). */
export function auditStringIs(value: string): string {
  return `hashtextextended(s.value, 0) = hashtextextended(${value}, 0) AND s.value = ${value}`;
}

const MAX_CACHED_LENGTH = 512;

/** Runs one SQL statement and resolves with its rows. */
export type AuditSql = (sql: string, values?: unknown[]) => Promise<unknown[]>;

/**
 * Reads the `audit_strings` dictionary, whose ids never change meaning: an id's text is cached once
 * read (texts up to 512 characters, at most `capacity` of them, the oldest forgotten first), so a
 * page of events usually costs no dictionary query at all.
 */
export class AuditStrings {
  private readonly cache = new Map<number, string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly capacity = 10_000,
  ) {}

  /** The id of each of `values`, in order; null for a text no event holds. */
  async idsOf(values: readonly string[]): Promise<(number | null)[]> {
    if (values.length === 0) return [];
    const rows = await this.dataSource.query<{ id: number | null }[]>(
      `SELECT (SELECT s.id FROM audit_strings s WHERE ${auditStringIs('w.v')} ORDER BY s.id LIMIT 1) AS id
       FROM unnest($1::text[]) WITH ORDINALITY AS w(v, n) ORDER BY w.n`,
      [values],
    );
    return rows.map((row) => row.id);
  }

  /** The text of each id of `ids` (nulls ignored); `query` reads the dictionary, by default on the pool. */
  async textsOf(
    ids: Iterable<number | null>,
    query: AuditSql = (sql, values) => this.dataSource.query(sql, values),
  ): Promise<Map<number, string>> {
    const texts = new Map<number, string>();
    const missing = new Set<number>();
    for (const id of ids) {
      if (id === null) continue;
      const cached = this.cache.get(id);
      if (cached === undefined) missing.add(id);
      else texts.set(id, cached);
    }
    if (missing.size > 0) {
      const rows = (await query(`SELECT id, value FROM audit_strings WHERE id = ANY($1::int4[])`, [
        [...missing],
      ])) as { id: number; value: string }[];
      for (const row of rows) {
        texts.set(row.id, row.value);
        this.remember(row.id, row.value);
      }
    }
    return texts;
  }

  private remember(id: number, value: string): void {
    if (value.length > MAX_CACHED_LENGTH) return;
    if (this.cache.size >= this.capacity) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(id, value);
  }
}
