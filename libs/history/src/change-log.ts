import type { EntityManager } from 'typeorm';
import { uuidv7 } from '@fedbroker/audit';
import type { AdminChange } from './admin-change';

/** Records admin writes; each record joins the transaction of the write it describes. */
export class ChangeLog {
  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Call inside the write's transaction: the record commits or rolls back with the write. */
  async record(manager: EntityManager, change: AdminChange): Promise<void> {
    await this.recordAll(manager, [change]);
  }

  /**
   * Records the changes of one write (a bulk apply) in its transaction, in order: one statement
   * per {@link ROWS_PER_INSERT} rows, each column bound as one array and the rows rebuilt with
   * `unnest`.
   */
  async recordAll(manager: EntityManager, changes: readonly AdminChange[]): Promise<void> {
    const time = this.now();
    const rows = changes.map((change) => [
      uuidv7(time),
      time.toISOString(),
      change.actor,
      change.action,
      change.resource,
      change.name,
      change.version,
      jsonText(change.before),
      jsonText(change.after),
    ]);
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const chunk = rows.slice(start, start + ROWS_PER_INSERT);
      await manager.query(
        INSERT_CHANGES,
        COLUMN_TYPES.map((_, column) => chunk.map((row) => row[column])),
      );
    }
  }
}

const COLUMN_TYPES = ['uuid', 'timestamptz', 'text', 'text', 'text', 'text', 'int4', 'jsonb', 'jsonb'];

const INSERT_CHANGES =
  'INSERT INTO admin_changes (id, time, actor, action, resource, name, version, before, after) ' +
  `SELECT * FROM unnest(${COLUMN_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`;

/** Rows a statement takes: the arrays bound grow with it, the parameter count does not. */
const ROWS_PER_INSERT = 2000;

/** The JSON text a view serializes to (dates as ISO strings), or null. */
function jsonText(value: object | null): string | null {
  return value === null ? null : JSON.stringify(value);
}
