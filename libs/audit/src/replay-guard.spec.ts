import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@fedbroker/persistence';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { AuditReplayedError } from './audit.errors';
import type { AuditRecord } from './audit.types';
import { AuditWriter } from './audit.writer';
import { ReplayGuardPurge } from './replay-guard-purge';

const NOW = new Date('2030-01-01T00:00:00Z');

function issued(key: string, requestId = randomUUID()): AuditRecord {
  return {
    time: NOW,
    requestId,
    exchangeId: randomUUID(),
    grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    outcome: 'issued',
    tokenId: randomUUID(),
    replayGuard: { key, expiresAt: new Date(NOW.getTime() + 600_000) },
  };
}

describe('the replay guard in the audit transaction', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let observer: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await openDatabase({ url: db.url, poolSize: 4 });
    observer = new Client({ connectionString: db.url });
    await observer.connect();
  });
  afterAll(async () => {
    await observer.end();
    await dataSource.destroy();
    await db.drop();
  });

  const eventsOf = async (requestId: string) =>
    (
      await observer.query<{
        outcome: string;
        error: string | null;
        reason: string | null;
        token_id: string | null;
      }>('SELECT outcome, error, reason, token_id FROM audit_events WHERE request_id = $1', [requestId])
    ).rows;
  const guarded = async (key: string) =>
    (
      await observer.query<{ expires_at: Date }>(
        'SELECT expires_at FROM replay_guard WHERE replay_key = $1',
        [key],
      )
    ).rows;

  it('records the key with the issued event, and stores a second use as the denial replayed', async () => {
    const writer = new AuditWriter(dataSource);
    const first = issued('jti https://issuer.example a-1');
    await writer.write(first);
    const second = issued('jti https://issuer.example a-1');
    const refusal = await writer.write(second).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(AuditReplayedError);
    expect(await eventsOf(first.requestId)).toMatchObject([{ outcome: 'issued', error: null }]);
    expect(await eventsOf(second.requestId)).toEqual([
      {
        outcome: 'denied',
        error: 'replayed',
        reason: expect.stringMatching(/already used/) as string,
        token_id: null,
      },
    ]);
    expect(await guarded('jti https://issuer.example a-1')).toEqual([
      { expires_at: new Date(NOW.getTime() + 600_000) },
    ]);
    await writer.close();
  });

  it("answers the request's own denial with the event already stored: one event per request", async () => {
    const writer = new AuditWriter(dataSource);
    await writer.write(issued('jti https://issuer.example b-1'));
    const again = issued('jti https://issuer.example b-1');
    await expect(writer.write(again)).rejects.toBeInstanceOf(AuditReplayedError);
    await writer.write({ ...again, outcome: 'denied', error: 'replayed', replayGuard: undefined });
    expect(await eventsOf(again.requestId)).toHaveLength(1);
    await writer.close();
  });

  it('lets exactly one of the same key win within one batch', async () => {
    const writer = new AuditWriter(dataSource, { maxInFlight: 1 });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => writer.write(issued('jti https://issuer.example c-1'))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 'rejected' && r.reason instanceof AuditReplayedError),
    ).toHaveLength(4);
    expect(writer.stats.flushes).toBe(1);
    await writer.close();
  });

  // Two replicas need two sessions: embedded PostgreSQL serves one.
  it.runIf(Boolean(process.env.TEST_DATABASE_URL))(
    'lets exactly one of two writers (two replicas) win a key claimed at once',
    async () => {
      const other = await openDatabase({ url: db.url, poolSize: 2 });
      const writers = [new AuditWriter(dataSource), new AuditWriter(other)];
      const results = await Promise.allSettled(
        writers.flatMap((writer) =>
          [1, 2, 3].map(() => writer.write(issued('jti https://issuer.example d-1'))),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      await Promise.all(writers.map((writer) => writer.close()));
      await other.destroy();
    },
  );

  it('claims no key for a denied record', async () => {
    const writer = new AuditWriter(dataSource);
    const record = { ...issued('jti https://issuer.example e-1'), outcome: 'denied' as const, error: 'x' };
    await writer.write(record);
    expect(await guarded('jti https://issuer.example e-1')).toEqual([]);
    await writer.close();
  });

  it('claims no key when the audit INSERT fails: the two are one transaction', async () => {
    const writer = new AuditWriter(dataSource, { maxInFlight: 1 });
    await observer.query(
      `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`,
    );
    await observer.query(
      'CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_records FOR EACH ROW EXECUTE FUNCTION refuse_audit()',
    );
    try {
      await expect(writer.write(issued('jti https://issuer.example f-1'))).rejects.toThrow();
    } finally {
      await observer.query('DROP TRIGGER refuse_audit ON audit_records');
      await observer.query('DROP FUNCTION refuse_audit()');
    }
    expect(await guarded('jti https://issuer.example f-1')).toEqual([]);
    await writer.close();
  });

  it('purges expired keys in batches and keeps the live ones', async () => {
    await observer.query('DELETE FROM replay_guard');
    await observer.query(
      `INSERT INTO replay_guard (replay_key, expires_at)
       SELECT 'old-' || i, $1::timestamptz - interval '1 second' FROM generate_series(1, 25) AS i
       UNION ALL SELECT 'live-' || i, $1::timestamptz + interval '1 second' FROM generate_series(1, 3) AS i`,
      [NOW.toISOString()],
    );
    const purge = new ReplayGuardPurge(dataSource, { now: () => NOW, batchSize: 10 });
    expect(await purge.purge()).toBe(25);
    const { rows } = await observer.query<{ replay_key: string }>(
      'SELECT replay_key FROM replay_guard ORDER BY 1',
    );
    expect(rows.map((row) => row.replay_key)).toEqual(['live-1', 'live-2', 'live-3']);
  });
});
