import type { DataSource } from 'typeorm';
import { CURSOR_TIME_COLUMN, decodeKeysetCursor, encodeKeysetCursor } from '@fedbroker/persistence';
import type {
  AdminChangeView,
  ChangeAction,
  ChangeFilters,
  ChangePage,
  ChangeResource,
} from './admin-change';
import { HistoryQueryError } from './history.error';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

interface AdminChangeRow {
  id: string;
  time: Date;
  cursor_time: string;
  actor: string;
  action: ChangeAction;
  resource: ChangeResource;
  name: string;
  version: number | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** Lists admin changes for the admin API: filtered, newest first, keyset-paginated. */
export class ChangeQuery {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One page of changes matching `filters`. Throws {@link HistoryQueryError} for a malformed cursor
   * (`invalid_cursor`), limit (`invalid_limit`) or time bound (`invalid_range`).
   */
  async list(filters: ChangeFilters): Promise<ChangePage> {
    const limit = pageSize(filters.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    const bind = (value: unknown): string => `$${params.push(value)}`;

    if (filters.resource !== undefined) where.push(`resource = ${bind(filters.resource)}`);
    if (filters.name !== undefined) where.push(`name = ${bind(filters.name)}`);
    if (filters.actor !== undefined) where.push(`actor = ${bind(filters.actor)}`);
    if (filters.from !== undefined) where.push(`time >= ${bind(validTime(filters.from))}::timestamptz`);
    if (filters.to !== undefined) where.push(`time < ${bind(validTime(filters.to))}::timestamptz`);
    if (filters.cursor !== undefined) {
      const after = decodeKeysetCursor(filters.cursor);
      if (after === undefined) {
        throw new HistoryQueryError('invalid_cursor', 'the cursor is not one this API returned');
      }
      where.push(`(time, id) < (${bind(after.time)}::timestamptz, ${bind(after.id)}::uuid)`);
    }

    const rows = await this.dataSource.query<AdminChangeRow[]>(
      `SELECT id, time, actor, action, resource, name, version, before, after,
              ${CURSOR_TIME_COLUMN}
       FROM admin_changes
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY time DESC, id DESC
       LIMIT ${bind(limit + 1)}`,
      params,
    );

    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toView),
      nextCursor:
        rows.length > limit && last ? encodeKeysetCursor({ time: last.cursor_time, id: last.id }) : null,
    };
  }
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new HistoryQueryError('invalid_limit', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return limit;
}

function validTime(value: Date): string {
  if (Number.isNaN(value.getTime())) {
    throw new HistoryQueryError('invalid_range', 'from and to must be valid times');
  }
  return value.toISOString();
}

function toView(row: AdminChangeRow): AdminChangeView {
  return {
    id: row.id,
    time: row.time.toISOString(),
    actor: row.actor,
    action: row.action,
    resource: row.resource,
    name: row.name,
    version: row.version,
    before: row.before,
    after: row.after,
  };
}
