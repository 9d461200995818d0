import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../../../test/support/test-database';
import type { AdminChange } from './admin-change';
import { ChangeLog } from './change-log';
import { ChangeQuery } from './change-query';
import { HistoryQueryError } from './history.error';

const change = (name: string, actor = 'bootstrap'): AdminChange => ({
  actor,
  action: 'create',
  resource: 'platform',
  name,
  version: 1,
  before: null,
  after: { name, createdAt: new Date('2025-01-01T00:00:00Z') },
});

describe('ChangeLog and ChangeQuery', () => {
  const db = useMigratedDatabase();
  let clock = new Date('2025-03-01T10:00:00Z');
  const log = new ChangeLog(() => clock);

  it('records in the write transaction: a rolled-back write leaves no record', async () => {
    await db.dataSource
      .transaction(async (manager) => {
        await log.record(manager, change('rolled-back'));
        throw new Error('the write failed');
      })
      .catch(() => undefined);
    const page = await new ChangeQuery(db.dataSource).list({ name: 'rolled-back' });
    expect(page.items).toEqual([]);
  });

  it('keeps views as JSON (times as ISO strings)', async () => {
    await db.dataSource.transaction((manager) => log.record(manager, change('json-view')));
    const [item] = (await new ChangeQuery(db.dataSource).list({ name: 'json-view' })).items;
    expect(item).toMatchObject({
      actor: 'bootstrap',
      action: 'create',
      resource: 'platform',
      version: 1,
      before: null,
      after: { name: 'json-view', createdAt: '2025-01-01T00:00:00.000Z' },
      time: '2025-03-01T10:00:00.000Z',
    });
  });

  it('records the changes of one write together, thousands of them', async () => {
    const changes = Array.from({ length: 4100 }, (_, i) => change(`bulk-${i}`));
    await db.dataSource.transaction((manager) => log.recordAll(manager, changes));
    const [count] = await db.dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM admin_changes WHERE name LIKE 'bulk-%'`,
    );
    expect(Number(count?.n)).toBe(4100);
    const [last] = (await new ChangeQuery(db.dataSource).list({ name: 'bulk-4099' })).items;
    expect(last).toMatchObject({
      after: { name: 'bulk-4099', createdAt: '2025-01-01T00:00:00.000Z' },
      before: null,
    });
  });

  it('is append-only: updates and deletes are refused by the database', async () => {
    await db.dataSource.transaction((manager) => log.record(manager, change('kept')));
    await expect(db.dataSource.query(`UPDATE admin_changes SET actor = 'someone-else'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(db.dataSource.query(`DELETE FROM admin_changes`)).rejects.toThrow(/append-only/);
  });

  it('lists newest first, filtered, a page at a time', async () => {
    for (const [i, actor] of ['a', 'b', 'a', 'a', 'b'].entries()) {
      clock = new Date(Date.UTC(2025, 3, 1 + i));
      await db.dataSource.transaction((manager) => log.record(manager, change(`paged-${i}`, actor)));
    }
    const query = new ChangeQuery(db.dataSource);
    const first = await query.list({ actor: 'a', limit: 2 });
    expect(first.items.map((i) => i.name)).toEqual(['paged-3', 'paged-2']);
    const second = await query.list({ actor: 'a', limit: 2, cursor: first.nextCursor ?? '' });
    expect(second.items.map((i) => i.name)).toEqual(['paged-0']);
    expect(second.nextCursor).toBeNull();
    const range = await query.list({
      from: new Date('2025-04-02T00:00:00Z'),
      to: new Date('2025-04-04T00:00:00Z'),
    });
    expect(range.items.map((i) => i.name)).toEqual(['paged-2', 'paged-1']);
  });

  it.each([
    [{ cursor: 'not-a-cursor' }, 'invalid_cursor'],
    [{ limit: 0 }, 'invalid_limit'],
    [{ from: new Date(Number.NaN) }, 'invalid_range'],
  ])('refuses %j', async (filters, code) => {
    await expect(new ChangeQuery(db.dataSource).list(filters)).rejects.toEqual(
      expect.objectContaining({ code }) as HistoryQueryError,
    );
  });
});
