import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client } from 'pg';
import { useMigratedDatabase } from '../../../test/support/test-database';
import { AuditChainVerifier } from './audit-chain.verifier';
import { AuditPartitionMaintenance } from './audit-partition-maintenance';
import type { AuditRecord } from './audit.types';
import { AuditQuery } from './audit.query';
import { AuditWriter } from './audit.writer';

const DAY = 86_400_000;
/** 2031-05-10: the partitions of this suite's days are its own. */
const D0 = Date.parse('2031-05-10T00:00:00Z');
const at = (day: number) => new Date(D0 + day * DAY + 3_600_000);

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))('the audit dictionary under retention', () => {
  const db = useMigratedDatabase();
  const run = randomBytes(4).toString('hex');
  const name = (label: string) => `${label}-${run}`;
  let observer: Client;

  beforeAll(async () => {
    observer = new Client({ connectionString: db.database.url });
    await observer.connect();
  });
  afterAll(async () => {
    await observer.end();
  });

  const held = async (...fragments: string[]): Promise<boolean[]> => {
    const { rows } = await observer.query<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM audit_strings WHERE strpos(value, f) > 0) AS held
       FROM unnest($1::text[]) WITH ORDINALITY x(f, n) ORDER BY n`,
      [fragments],
    );
    return rows.map((row) => row.held);
  };
  const retention = (day: number) =>
    new AuditPartitionMaintenance(db.dataSource, { now: () => at(day), retentionDays: 1 });

  function event(day: number | Date, subject: string, userAgent = 'kubectl'): AuditRecord {
    return {
      time: typeof day === 'number' ? at(day) : day,
      requestId: randomBytes(8).toString('hex'),
      grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
      outcome: 'issued',
      platform: 'cluster',
      subject,
      userAgent,
    };
  }

  it('deletes the strings only dropped days used, a day after the last, and keeps every string a kept event uses', async () => {
    await new AuditPartitionMaintenance(db.dataSource, { now: () => at(0) }).run();
    const writer = new AuditWriter(db.dataSource);
    const events = [
      event(0, name('gone'), name('agent-gone')),
      event(0, name('kept')),
      event(1, name('margin')),
      event(2, name('kept')),
      // before every partition: the DEFAULT partition, which retention never drops
      event(new Date('2031-01-01T00:00:00Z'), name('in-default')),
    ];
    for (const e of events) await writer.write(e);

    // keeps from day 2: days 0 and 1 dropped; strings last used on day 0 go
    const first = await retention(3).run();
    expect(first.dropped).toEqual(
      expect.arrayContaining(['audit_records_p20310510', 'audit_records_p20310511']),
    );
    expect(first.dropped).not.toContain('audit_records_p20310512');
    expect(first.pruned).toBe(2);
    expect(
      await held(name('gone'), name('agent-gone'), name('margin'), name('kept'), name('in-default')),
    ).toEqual([false, false, true, true, true]);
    const page = await new AuditQuery(db.dataSource).list({ limit: 100 });
    expect(page.items.map((item) => [item.subject, item.userAgent])).toEqual(
      expect.arrayContaining([
        [name('kept'), 'kubectl'],
        [name('in-default'), 'kubectl'],
      ]),
    );
    expect(page.items).toHaveLength(2);
    expect((await new AuditChainVerifier(db.dataSource).verify()).ok).toBe(true);

    // a day later, the string last used on day 1 goes too
    expect((await retention(4).run()).pruned).toBe(1);
    expect(await held(name('margin'), name('in-default'))).toEqual([false, true]);

    // a string used again is added again
    await writer.write(event(4, name('gone'), name('agent-gone')));
    await writer.close();
    const again = await new AuditQuery(db.dataSource).list({ subject: name('gone'), limit: 10 });
    expect(again.items.map((item) => [item.subject, item.userAgent])).toEqual([
      [name('gone'), name('agent-gone')],
    ]);
  });

  async function stringRow(value: string): Promise<{ id: number; lastDay: string }[]> {
    const { rows } = await observer.query<{ id: number; lastDay: string }>(
      `SELECT id, last_day::text AS "lastDay" FROM audit_strings WHERE value = $1`,
      [value],
    );
    return rows;
  }

  async function pidOf(client: Client): Promise<number> {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return rows[0]!.pid;
  }

  async function waitingForLock(pid: number): Promise<void> {
    await vi.waitFor(async () => {
      const { rows: waiting } = await observer.query(
        `SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`,
        [pid],
      );
      expect(waiting).toHaveLength(1);
    });
  }

  async function withClients(work: (writer: Client, pruner: Client) => Promise<void>) {
    const clients = [0, 1].map(() => new Client({ connectionString: db.database.url }));
    await Promise.all(clients.map((c) => c.connect()));
    try {
      await work(clients[0]!, clients[1]!);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  }

  it('passes by, without waiting, a string a write is moving forward', async () => {
    const text = name('contended');
    await observer.query(`SELECT audit_string_ids(ARRAY[$1], '2031-02-01')`, [text]);
    await withClients(async (writer, pruner) => {
      await writer.query('BEGIN');
      await writer.query(`SELECT audit_string_ids(ARRAY[$1], '2031-03-10')`, [text]);
      await pruner.query(`SELECT * FROM audit_prune_strings('2031-03-10', 0, 1000000)`);
      expect(await stringRow(text)).toHaveLength(1);
      await writer.query('COMMIT');
    });
    expect(await stringRow(text)).toEqual([{ id: expect.any(Number) as number, lastDay: '2031-03-10' }]);
  });

  it('adds again a string a prune deleted while a write looked for it', async () => {
    const text = name('deleted');
    await observer.query(`SELECT audit_string_ids(ARRAY[$1], '2031-02-01')`, [text]);
    const [before] = await stringRow(text);
    await withClients(async (writer, pruner) => {
      const writerPid = await pidOf(writer);
      await pruner.query('BEGIN');
      await pruner.query(`SELECT * FROM audit_prune_strings('2031-03-10', 0, 1000000)`);
      const looking = writer.query<{ ids: number[] }>(
        `SELECT audit_string_ids(ARRAY[$1], '2031-03-10') AS ids`,
        [text],
      );
      await waitingForLock(writerPid);
      await pruner.query('COMMIT');
      const { rows } = await looking;
      expect(await stringRow(text)).toEqual([{ id: rows[0]!.ids[0], lastDay: '2031-03-10' }]);
    });
    expect((await stringRow(text))[0]!.id).not.toBe(before!.id);
  });

  /**
   * Runs `work` while a prune that reaches `value` waits, until `work` lets go (`resume`), for an
   * advisory lock the observer holds; the wait shows in `pg_stat_activity` before `paused` resolves.
   */
  async function withPruneStoppingAt(
    value: string,
    work: (pause: { paused: () => Promise<void>; resume: () => Promise<void> }) => Promise<void>,
  ): Promise<void> {
    const key = 1_234_567;
    await observer.query(`
      CREATE FUNCTION test_pause_prune() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.value = '${value}' THEN PERFORM pg_advisory_xact_lock(${key}); END IF;
        RETURN OLD;
      END $$`);
    await observer.query(`CREATE TRIGGER tg_test_pause_prune BEFORE DELETE ON audit_strings
      FOR EACH ROW EXECUTE FUNCTION test_pause_prune()`);
    try {
      await observer.query('SELECT pg_advisory_lock($1)', [key]);
      await work({
        paused: () =>
          vi.waitFor(async () => {
            const { rows } = await observer.query(
              `SELECT 1 FROM pg_stat_activity
               WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
            );
            expect(rows).toHaveLength(1);
          }),
        resume: async () => {
          await observer.query('SELECT pg_advisory_unlock($1)', [key]);
        },
      });
    } finally {
      await observer.query('SELECT pg_advisory_unlock_all()');
      await observer.query('DROP TRIGGER tg_test_pause_prune ON audit_strings');
      await observer.query('DROP FUNCTION test_pause_prune()');
    }
  }

  const staleTexts = async (label: string): Promise<string[]> => {
    const texts = [1, 2, 3, 4, 5, 6].map((n) => name(`${label}-${n}`));
    for (const text of texts)
      await observer.query(`SELECT audit_string_ids(ARRAY[$1], '2031-02-01')`, [text]);
    return texts;
  };
  const pruner = () =>
    new AuditPartitionMaintenance(db.dataSource, {
      now: () => new Date('2031-03-10T12:00:00Z'),
      retentionDays: 1,
      pruneChunk: 2,
    });

  it('commits the prune a few strings at a time: a write meeting a string already pruned does not wait for the rest', async () => {
    const texts = await staleTexts('chunked');
    await withPruneStoppingAt(texts[4]!, async ({ paused, resume }) => {
      const pruning = pruner().run();
      await paused();
      // the chunks before the pause are committed: their strings are gone, and a write needing one
      // adds it again at once
      expect(await held(texts[0]!, texts[1]!, texts[4]!, texts[5]!)).toEqual([false, false, true, true]);
      const { rows } = await observer.query<{ ids: number[] }>(
        `SELECT audit_string_ids(ARRAY[$1], '2031-03-10') AS ids`,
        [texts[0]],
      );
      expect(rows[0]!.ids[0]).toBeGreaterThan(0);
      await resume();
      expect((await pruning).pruned).toBeGreaterThanOrEqual(6);
    });
    expect(await held(...texts)).toEqual([true, false, false, false, false, false]);
  });

  it('stops pruning after the chunk under way when the maintenance stops', async () => {
    const texts = await staleTexts('stopped');
    const maintenance = pruner();
    await withPruneStoppingAt(texts[2]!, async ({ paused, resume }) => {
      const pruning = maintenance.run();
      await paused();
      const stopping = maintenance.stop();
      await resume();
      await Promise.all([pruning, stopping]);
    });
    // the chunk under way, two strings from the third or the fourth, is the last
    const gone = await held(...texts);
    expect(gone.slice(0, 3)).toEqual([false, false, false]);
    expect(gone.slice(4)).toEqual([true, true]);
  });
});
