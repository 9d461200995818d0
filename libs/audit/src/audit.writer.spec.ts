import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@fedbroker/persistence';
import { startPgProxy } from '../../../test/support/pg-proxy';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { AuditRecordError, AuditUnavailableError } from './audit.errors';
import type { AuditRecord } from './audit.types';
import { AuditWriter, type AuditWriterOptions } from './audit.writer';
import { UNCONFIRMED_ISSUE_REASON } from './settle-unconfirmed-batch';
import { INSERT_BATCH_SQL } from './commit-audit-batch';
import { insertAuditEventsParams, toAuditRow } from './insert-audit-events';

const realPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** Both ways a writer commits: on the data source's pool, and pipelined (real PostgreSQL only). */
const MODES = [
  { mode: 'on the data source pool', pipeline: false },
  ...(realPostgres ? [{ mode: 'pipelined', pipeline: true }] : []),
];

describe.each(MODES)('AuditWriter $mode', ({ pipeline }) => {
  const writerOn = (source: DataSource, opts: AuditWriterOptions = {}): AuditWriter =>
    new AuditWriter(source, { ...opts, pipeline });

  let db: TestDatabase;
  let dataSource: DataSource;
  let observer: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await openDatabase({ url: db.url, poolSize: 1 });
    observer = new Client({ connectionString: db.url });
    await observer.connect();
  });
  afterAll(async () => {
    await observer.end();
    await dataSource.destroy();
    await db.drop();
  });

  /** Backends of audit INSERTs waiting for a lock; the snapshot is cleared as the observer holds one. */
  async function insertsWaitingForLock(): Promise<number[]> {
    await observer.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await observer.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH ids AS%INSERT INTO audit_records%'`,
    );
    return rows.map((row) => row.pid);
  }

  async function countRows(ids: string[]): Promise<number> {
    const { rows } = await observer.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit_events WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return rows[0]!.n;
  }

  it('resolves once the row is committed and visible from another connection', async () => {
    const writer = writerOn(dataSource);
    const id = await writer.write(record({ subject: 'visible', audience: ['https://api.example'] }));
    const { rows } = await observer.query('SELECT * FROM audit_events WHERE id = $1', [id]);
    expect(rows).toEqual([
      expect.objectContaining({
        id,
        subject: 'visible',
        outcome: 'issued',
        audience: ['https://api.example'],
        time: new Date('2030-01-01T00:00:00.123Z'),
      }),
    ]);
    await writer.close();
  });

  it.runIf(realPostgres)('does not resolve while the INSERT cannot commit', async () => {
    const writer = writerOn(dataSource, { timeoutMs: 10_000 });
    await observer.query('BEGIN');
    await observer.query('LOCK TABLE audit_records IN EXCLUSIVE MODE');
    let settled = false;
    const pending = writer.write(record({ subject: 'blocked' })).finally(() => (settled = true));
    await vi.waitFor(async () => expect(await insertsWaitingForLock()).toHaveLength(1));
    expect(settled).toBe(false);
    await observer.query('COMMIT');
    const id = await pending;
    expect(await countRows([id])).toBe(1);
    await writer.close();
  });

  it.runIf(realPostgres)('survives its session being killed mid-INSERT, and recovers', async () => {
    const writer = writerOn(dataSource);
    await observer.query('BEGIN');
    await observer.query('LOCK TABLE audit_records IN EXCLUSIVE MODE');
    const pending = writer.write(record({ subject: 'killed' }));
    const [pid] = await vi.waitFor(async () => {
      const waiting = await insertsWaitingForLock();
      expect(waiting).toHaveLength(1);
      return waiting;
    });
    await observer.query('SELECT pg_terminate_backend($1)', [pid]);
    await expect(pending).rejects.toBeInstanceOf(AuditUnavailableError);
    await observer.query('COMMIT');
    await vi.waitFor(() => expect(writer.write(record())).resolves.toMatch(/^[0-9a-f-]{36}$/));
    await writer.close();
  });

  it.runIf(realPostgres)(
    'rejects within its time limit when the INSERT hangs, and never commits it',
    async () => {
      const writer = writerOn(dataSource, { timeoutMs: 300 });
      await observer.query('BEGIN');
      await observer.query('LOCK TABLE audit_records IN EXCLUSIVE MODE');
      const started = performance.now();
      try {
        await expect(writer.write(record({ subject: 'hung' }))).rejects.toBeInstanceOf(AuditUnavailableError);
        expect(performance.now() - started).toBeLessThan(1_000);
      } finally {
        await observer.query('COMMIT');
      }
      await vi.waitFor(async () => {
        const { rows } = await observer.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'WITH ids AS%INSERT INTO audit_records%'`,
        );
        expect(rows[0]!.n).toBe(0);
      });
      const { rows } = await observer.query(`SELECT id FROM audit_events WHERE subject = 'hung'`);
      expect(rows).toEqual([]);
      await writer.close();
    },
  );

  it.runIf(realPostgres)(
    'refuses writes at once while the database hangs, and resumes when it answers',
    async () => {
      const proxy = await startPgProxy(db.url);
      const proxied = await openDatabase({ url: proxy.url, poolSize: 2 });
      const writer = writerOn(proxied, { timeoutMs: 300 });
      try {
        await writer.write(record());
        proxy.freeze();
        await expect(writer.write(record())).rejects.toBeInstanceOf(AuditUnavailableError);
        const started = performance.now();
        await expect(writer.write(record())).rejects.toBeInstanceOf(AuditUnavailableError);
        expect(performance.now() - started).toBeLessThan(50);
        proxy.restore();
        await vi.waitFor(() => expect(writer.write(record())).resolves.toMatch(/^[0-9a-f-]{36}$/), {
          timeout: 3_000,
          interval: 100,
        });
      } finally {
        proxy.restore();
        await writer.close();
        await proxied.destroy();
        await proxy.close();
      }
    },
  );

  it.runIf(pipeline)('sends BEGIN and the INSERT without waiting for the answer to BEGIN', async () => {
    const proxy = await startPgProxy(db.url);
    const proxied = await openDatabase({ url: proxy.url, poolSize: 1 });
    const writer = writerOn(proxied);
    try {
      await writer.write(record());
      const held = proxy.holdAnswers();
      const written = writer.write(record({ subject: 'pipelined' }));
      // The server has run the INSERT while its answer to BEGIN was still held back.
      await vi.waitFor(() => expect(held.answered()).toContain('INSERT 0 1'));
      expect(held.sent()).toMatch(/BEGIN;[^]*INSERT INTO audit_records/);
      expect(held.sent()).not.toContain('COMMIT');
      held.release();
      expect(await countRows([await written])).toBe(1);
    } finally {
      await writer.close();
      await proxied.destroy();
      await proxy.close();
    }
  });

  // Seeing the transaction wait takes a second session, which embedded PostgreSQL does not have.
  it.runIf(realPostgres)('commits a row only once what it is ready for has happened', async () => {
    const writer = writerOn(dataSource);
    let ready!: () => void;
    const signed = new Promise<void>((resolve) => (ready = resolve));
    let committed = false;
    const written = writer.write(record({ subject: 'awaits-its-signature' }), signed).then((id) => {
      committed = true;
      return id;
    });
    try {
      await vi.waitFor(async () => {
        const { rows } = await observer.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND state = 'idle in transaction' AND query LIKE 'WITH ids AS%'`,
        );
        expect(rows[0]!.n).toBe(1);
      });
      expect(committed).toBe(false);
      const { rows } = await observer.query(
        `SELECT id FROM audit_events WHERE subject = 'awaits-its-signature'`,
      );
      expect(rows).toEqual([]);
    } finally {
      ready();
    }
    expect(await countRows([await written])).toBe(1);
    await writer.close();
  });

  it('never commits a row whose readiness fails, and commits the rest of its batch', async () => {
    const writer = writerOn(dataSource, { maxInFlight: 1 });
    const failure = new Error('the signature failed');
    const writes = [
      writer.write(record({ subject: 'signed' }), Promise.resolve()),
      writer.write(record({ subject: 'unsigned' }), Promise.reject(failure)),
      writer.write(record({ subject: 'nothing-to-wait-for' })),
    ];
    const [signed, unsigned, plain] = await Promise.allSettled(writes);
    expect(unsigned).toEqual({ status: 'rejected', reason: failure });
    const ids = [signed, plain].map((outcome) => (outcome as PromiseFulfilledResult<string>).value);
    expect(await countRows(ids)).toBe(2);
    const { rows } = await observer.query(`SELECT id FROM audit_events WHERE subject = 'unsigned'`);
    expect(rows).toEqual([]);
    expect(writer.stats.rows).toBe(2);
    await writer.close();
  });

  it('refuses a row still not ready at its time limit as unavailable, and keeps writing the others', async () => {
    const writer = writerOn(dataSource, { timeoutMs: 300 });
    const never = new Promise<never>(() => undefined);
    const batch = [writer.write(record({ subject: 'never-signed' }), never), writer.write(record())];
    for (const outcome of await Promise.allSettled(batch)) {
      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: expect.any(AuditUnavailableError) as unknown,
      });
    }
    await expect(writer.write(record())).resolves.toMatch(/^[0-9a-f-]{36}$/);
    const { rows } = await observer.query(`SELECT id FROM audit_events WHERE subject = 'never-signed'`);
    expect(rows).toEqual([]);
    await writer.close();
  });

  it('writes nothing with the batch INSERT outside the transaction its BEGIN opens', async () => {
    const row = toAuditRow(randomUUID(), record({ subject: 'outside-the-batch' }));
    const { rowCount } = await observer.query(INSERT_BATCH_SQL, insertAuditEventsParams([row], []));
    expect(rowCount).toBe(0);
    expect(await countRows([row[0]!])).toBe(0);
  });

  describe.runIf(realPostgres)('when the answer to COMMIT does not come in time', () => {
    beforeAll(async () => {
      await observer.query(`
        CREATE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.outcome = 1 AND (SELECT value FROM audit_strings WHERE id = NEW.subject) LIKE 'slow-commit%'
            THEN PERFORM pg_sleep(0.5); END IF;
          IF NEW.outcome = 1 AND (SELECT value FROM audit_strings WHERE id = NEW.subject) = 'slow-commit-fails'
            THEN RAISE 'refused at commit'; END IF;
          RETURN NULL;
        END $$`);
      await observer.query(`
        CREATE CONSTRAINT TRIGGER test_slow_commit AFTER INSERT ON audit_records
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_slow_commit()`);
    });
    afterAll(async () => {
      await observer.query('DROP TRIGGER test_slow_commit ON audit_records');
      await observer.query('DROP FUNCTION test_slow_commit()');
    });

    const options = { timeoutMs: 150, statementTimeoutMs: 5_000 };
    const stored = async (requestId: string) => {
      const { rows } = await observer.query<{ id: string; outcome: string; error: string; reason: string }>(
        `SELECT id, outcome, error, reason FROM audit_events WHERE request_id = $1`,
        [requestId],
      );
      return rows;
    };

    it('resolves once the database shows the commit happened', async () => {
      const writer = writerOn(dataSource, options);
      const id = await writer.write(record({ requestId: 'req-late', subject: 'slow-commit' }));
      expect(await stored('req-late')).toEqual([{ id, outcome: 'issued', error: null, reason: null }]);
      await writer.close();
    });

    it('rejects, with the denial stored in its place, when the commit did not happen', async () => {
      const writer = writerOn(dataSource, options);
      await expect(
        writer.write(
          record({ requestId: 'req-doomed', exchangeId: 'x-doomed', subject: 'slow-commit-fails' }),
        ),
      ).rejects.toBeInstanceOf(AuditUnavailableError);
      const [standIn, ...others] = await stored('req-doomed');
      expect(others).toEqual([]);
      expect(standIn).toMatchObject({
        outcome: 'denied',
        error: 'unavailable',
        reason: UNCONFIRMED_ISSUE_REASON,
      });

      const denial = record({
        requestId: 'req-doomed',
        exchangeId: 'x-doomed',
        outcome: 'denied',
        error: 'unavailable',
      });
      await expect(writer.write(denial)).resolves.toBe(standIn?.id);
      expect(await stored('req-doomed')).toHaveLength(1);
      await writer.close();
    });

    it('stores the denial of another request that shares the request id (one a client chose)', async () => {
      const writer = writerOn(dataSource, options);
      await expect(
        writer.write(record({ requestId: 'req-shared', exchangeId: 'x-1', subject: 'slow-commit-fails' })),
      ).rejects.toBeInstanceOf(AuditUnavailableError);
      const other = record({
        requestId: 'req-shared',
        exchangeId: 'x-2',
        outcome: 'denied',
        error: 'credential_rejected',
      });
      const id = await writer.write(other);
      expect((await stored('req-shared')).map((row) => [row.id === id, row.error])).toEqual(
        expect.arrayContaining([
          [false, 'unavailable'],
          [true, 'credential_rejected'],
        ]),
      );
      await writer.close();
    });
  });

  it('commits 1,000 concurrent writes in far fewer statements than rows', async () => {
    const writer = writerOn(dataSource);
    const ids = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => writer.write(record({ requestId: `bulk-${i}` }))),
    );
    expect(new Set(ids).size).toBe(1_000);
    expect(await countRows(ids)).toBe(1_000);
    expect(writer.stats.rows).toBe(1_000);
    expect(writer.stats.flushes).toBeLessThanOrEqual(4);
    await writer.close();
  });

  it('never puts more than maxBatch rows in one statement', async () => {
    const writer = writerOn(dataSource, { maxBatch: 100 });
    const ids = await Promise.all(Array.from({ length: 1_000 }, () => writer.write(record())));
    expect(await countRows(ids)).toBe(1_000);
    expect(writer.stats).toEqual({ flushes: 10, rows: 1_000 });
    await writer.close();
  });

  it('while a batch commits, rows that arrive wait for it and go out as one batch', async () => {
    const batches: number[] = [];
    const writer = writerOn(dataSource, {
      observer: {
        committed: (rows) => batches.push(rows),
        failed: () => undefined,
        backlogged: () => undefined,
      },
    });
    const first = writer.write(record());
    await new Promise((resolve) => setImmediate(resolve));
    const second = Array.from({ length: 10 }, () => writer.write(record()));
    await new Promise((resolve) => setImmediate(resolve));
    const third = Array.from({ length: 10 }, () => writer.write(record()));
    await Promise.all([first, ...second, ...third]);
    expect(batches).toEqual([1, 20]);
    await writer.close();
  });

  it('sends what arrives during a flush in the next flush', async () => {
    const writer = writerOn(dataSource, { maxInFlight: 1 });
    const first = writer.write(record());
    await new Promise((resolve) => setImmediate(resolve));
    const rest = Array.from({ length: 200 }, () => writer.write(record()));
    await Promise.all([first, ...rest]);
    expect(writer.stats).toEqual({ flushes: 2, rows: 201 });
    await writer.close();
  });

  it('stores hostile text instead of failing the batch', async () => {
    const writer = writerOn(dataSource);
    const id = await writer.write(
      record({ userAgent: 'curl\u0000/8', reason: 'bad \uD800 surrogate', audience: ['a\u0000b'] }),
    );
    const { rows } = await observer.query(
      'SELECT user_agent, reason, audience FROM audit_events WHERE id = $1',
      [id],
    );
    expect(rows[0]).toEqual({
      user_agent: 'curl\uFFFD/8',
      reason: 'bad \uFFFD surrogate',
      audience: ['a\uFFFDb'],
    });
    await writer.close();
  });

  it('rejects only the record the database refuses, not its batch, as a defect', async () => {
    await observer.query(
      `ALTER TABLE audit_records ADD CONSTRAINT ck_test_no_evil CHECK (subject <> audit_string_id('evil'))`,
    );
    try {
      const writer = writerOn(dataSource);
      const results = await Promise.allSettled(
        Array.from({ length: 9 }, (_, i) => writer.write(record({ subject: i === 4 ? 'evil' : `ok-${i}` }))),
      );
      expect(results.map((r) => r.status)).toEqual([
        ...Array<string>(4).fill('fulfilled'),
        'rejected',
        ...Array<string>(4).fill('fulfilled'),
      ]);
      expect((results[4] as PromiseRejectedResult).reason).toBeInstanceOf(AuditRecordError);
      expect(writer.stats.rows).toBe(8);
      await writer.close();
    } finally {
      await observer.query('ALTER TABLE audit_records DROP CONSTRAINT ck_test_no_evil');
    }
  });

  it('rejects a malformed record as a defect without touching the others', async () => {
    const writer = writerOn(dataSource);
    const bad = writer.write(record({ time: new Date(Number.NaN) }));
    const good = writer.write(record());
    await expect(bad).rejects.toBeInstanceOf(AuditRecordError);
    await expect(bad).rejects.toHaveProperty('cause', expect.any(RangeError));
    await expect(good).resolves.toMatch(/^[0-9a-f-]{36}$/);
    await writer.close();
  });

  it('rejects every record of a batch with AuditUnavailableError when the table is gone', async () => {
    const logger = { error: vi.fn<(msg: string) => void>() };
    const writer = writerOn(dataSource, { logger });
    await observer.query('ALTER TABLE audit_records RENAME TO audit_records_away');
    try {
      const results = await Promise.allSettled([
        writer.write(record({ subject: 'secret-subject' })),
        writer.write(record()),
      ]);
      for (const result of results) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(AuditUnavailableError);
      }
      expect(logger.error.mock.calls[0]![0]).toMatch(/^audit: writing 2 event\(s\) failed: .*audit_records/);
      expect(logger.error.mock.calls.flat().join('\n')).not.toContain('secret-subject');
    } finally {
      await observer.query('ALTER TABLE audit_records_away RENAME TO audit_records');
    }
    await vi.waitFor(() => expect(writer.write(record())).resolves.toBeDefined());
    await writer.close();
  });

  it('rejects with AuditUnavailableError, without hanging, when the database is gone', async () => {
    const other = await createTestDatabase();
    const doomed = await openDatabase({ url: other.url, poolSize: 1 });
    const writer = writerOn(doomed);
    await doomed.destroy();
    await other.drop();
    await expect(writer.write(record())).rejects.toBeInstanceOf(AuditUnavailableError);
    await writer.close();
  });

  it('close() flushes what is queued and then refuses new records', async () => {
    const writer = writerOn(dataSource, { maxBatch: 10 });
    const writes = Array.from({ length: 55 }, () => writer.write(record()));
    await writer.close();
    expect(writer.stats).toEqual({ flushes: 6, rows: 55 });
    expect(await countRows(await Promise.all(writes))).toBe(55);
    await expect(writer.write(record())).rejects.toBeInstanceOf(AuditUnavailableError);
  });
});

function record(patch: Partial<AuditRecord> = {}): AuditRecord {
  return {
    time: new Date('2030-01-01T00:00:00.123Z'),
    requestId: 'req-1',
    grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
    outcome: 'issued',
    platform: 'github',
    subject: 'repo:acme/app',
    ...patch,
  };
}
