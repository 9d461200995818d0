import type { EntityManager } from 'typeorm';
import { uuidv7 } from '@fedbroker/audit';
import { AdminChangeEntity } from '@fedbroker/persistence';
import type { AdminChange } from './admin-change';

/** Records admin writes; each record joins the transaction of the write it describes. */
export class ChangeLog {
  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Call inside the write's transaction: the record commits or rolls back with the write. */
  async record(manager: EntityManager, change: AdminChange): Promise<void> {
    await this.recordAll(manager, [change]);
  }

  /**
   * Records the changes of one write (a bulk apply) in its transaction, in order, with multi-row
   * inserts of at most {@link ROWS_PER_INSERT} rows.
   */
  async recordAll(manager: EntityManager, changes: readonly AdminChange[]): Promise<void> {
    const time = this.now();
    const rows = changes.map((change) => ({
      id: uuidv7(time),
      time,
      actor: change.actor,
      action: change.action,
      resource: change.resource,
      name: change.name,
      version: change.version,
      before: jsonOrNull(change.before),
      after: jsonOrNull(change.after),
    }));
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      await manager.getRepository(AdminChangeEntity).insert(rows.slice(start, start + ROWS_PER_INSERT));
    }
  }
}

/** Nine parameters a row: well under PostgreSQL's 65,535 parameters a statement. */
const ROWS_PER_INSERT = 1000;

/** The JSON object a view serializes to (dates as ISO strings), or null. */
function jsonOrNull(value: object | null): Record<string, unknown> | null {
  return value === null ? null : (JSON.parse(JSON.stringify(value)) as Record<string, unknown>);
}
