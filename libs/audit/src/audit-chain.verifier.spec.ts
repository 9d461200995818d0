import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Client } from 'pg';
import { useMigratedDatabase } from '../../../test/support/test-database';
import { AuditChainVerifier } from './audit-chain.verifier';
import type { AuditRecord } from './audit.types';
import { AuditWriter } from './audit.writer';

const BASE = Date.parse('2030-01-01T00:00:00Z');

type Query = (config: string | { name?: string; text: string; values: unknown[] }) => Promise<unknown>;

function record(i: number): AuditRecord {
  return {
    time: new Date(BASE + i * 1_000 + (i % 7)),
    requestId: `req-${i}`,
    grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
    outcome: i % 5 === 0 ? 'denied' : 'issued',
    error: i % 5 === 0 ? 'credential_rejected' : null,
    reason: i % 5 === 0 ? `no policy matched "quoted" \\ é ${i}` : null,
    platform: 'cluster',
    subject: `system:serviceaccount:apps:sa-${i % 3}`,
    audience: i % 5 === 0 ? null : ['https://api.example', `https://other-${i}.example`],
    scopes: i % 5 === 0 ? null : ['read', 'write'],
    expiresAt: i % 5 === 0 ? null : new Date(BASE + 3_600_000 + i),
    clientIp: '203.0.113.9',
    userAgent: 'curl/8\u0000',
  };
}

describe('AuditChainVerifier', () => {
  const db = useMigratedDatabase();
  let observer: Client;
  let written = 0;

  async function writeWith(writers: AuditWriter[], count: number): Promise<void> {
    await Promise.all(
      Array.from({ length: count }, (_, i) => writers[i % writers.length]!.write(record(written + i))),
    );
    written += count;
  }

  beforeAll(async () => {
    observer = new Client({ connectionString: db.database.url });
    await observer.connect();
    const writers = [1, 2, 3].map(() => new AuditWriter(db.dataSource, { maxBatch: 4, maxInFlight: 2 }));
    await writeWith(writers, 60);
    await writeWith(writers, 30);
    await Promise.all(writers.map((w) => w.close()));
  });
  afterAll(async () => {
    await observer.end();
  });

  const verify = (pageSize?: number) =>
    new AuditChainVerifier(db.dataSource, pageSize ? { pageSize } : {}).verify();

  /** Runs `statements` as the superuser with the append-only trigger off, then puts every row back. */
  async function tampered<T>(statements: string[], check: () => Promise<T>): Promise<T> {
    await observer.query('CREATE TEMP TABLE snapshot AS SELECT * FROM audit_records');
    await observer.query('ALTER TABLE audit_records DISABLE TRIGGER tg_audit_records_append_only');
    try {
      for (const statement of statements) await observer.query(statement);
      return await check();
    } finally {
      await observer.query('DELETE FROM audit_records');
      await observer.query('INSERT INTO audit_records SELECT * FROM snapshot');
      await observer.query('DROP TABLE snapshot');
      await observer.query('ALTER TABLE audit_records ENABLE TRIGGER tg_audit_records_append_only');
    }
  }

  /** The row at `seq` of the chain holding the most rows. */
  async function rowAt(seq: number): Promise<{ id: string; chainId: string }> {
    const { rows } = await observer.query<{ id: string; chain_id: string }>(
      `SELECT id::text, chain_id::text FROM audit_events
       WHERE chain_id = (SELECT chain_id FROM audit_events GROUP BY chain_id ORDER BY count(*) DESC LIMIT 1)
         AND chain_seq = $1`,
      [seq],
    );
    expect(rows).toHaveLength(1);
    return { id: rows[0]!.id, chainId: rows[0]!.chain_id };
  }

  it('finds the chains of several writers, written in many batches, intact', async () => {
    const { rows } = await observer.query<{ chains: number }>(
      `SELECT count(DISTINCT chain_id)::int AS chains FROM audit_events`,
    );
    expect(rows[0]!.chains).toBeGreaterThanOrEqual(3);
    expect(await verify()).toEqual({ ok: true, checked: written, firstBroken: null, unchained: 0 });
  });

  it('walks a page at a time, across chain boundaries', async () => {
    expect(await verify(3)).toEqual({ ok: true, checked: written, firstBroken: null, unchained: 0 });
  });

  it.each([
    ['its subject changed', `UPDATE audit_records SET subject = audit_string_id('mallory') WHERE id = $ID`],
    ['its outcome changed', `UPDATE audit_records SET outcome = 2 WHERE id = $ID`],
    [
      'an audience added',
      `UPDATE audit_records SET context = audit_string_id(jsonb_set(
         (SELECT value::jsonb FROM audit_strings WHERE id = context), '{2}',
         to_jsonb('["https://api.example", "https://evil.example"]'::text))::text) WHERE id = $ID`,
    ],
    [
      'its time moved by a microsecond',
      `UPDATE audit_records SET time = time + interval '1 microsecond' WHERE id = $ID`,
    ],
    ['a null filled in', `UPDATE audit_records SET policy = audit_string_id('p') WHERE id = $ID`],
    ['its reason changed', `UPDATE audit_records SET reason = 'fine' WHERE id = $ID`],
  ])('names a row with %s as altered', async (_name, statement) => {
    const target = await rowAt(3);
    const report = await tampered([statement.replace('$ID', `'${target.id}'`)], () => verify());
    expect(report).toMatchObject({
      ok: false,
      firstBroken: {
        id: target.id,
        chainId: target.chainId,
        sequence: 3,
        reason: expect.stringMatching(/altered/) as unknown,
      },
    });
  });

  it('names the row after one deleted from the middle of a chain', async () => {
    const deleted = await rowAt(3);
    const next = await rowAt(4);
    const report = await tampered([`DELETE FROM audit_records WHERE id = '${deleted.id}'`], () => verify(2));
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toEqual({
      id: next.id,
      chainId: next.chainId,
      sequence: 4,
      reason: 'rows are missing before it: its sequence number 4 follows 2',
    });
  });

  it('names the row after one whose hash was forged: it no longer links to it', async () => {
    const forged = await rowAt(4);
    const after = await rowAt(5);
    const report = await tampered(
      [`UPDATE audit_records SET row_hash = sha256('forged') WHERE id = '${forged.id}'`],
      () => verify(),
    );
    expect(report.firstBroken).toMatchObject({
      id: forged.id,
      reason: expect.stringMatching(/altered/) as unknown,
    });
    expect(after.id).not.toBe(forged.id);
  });

  it('goes on from the anchor retention recorded for the rows it dropped', async () => {
    const third = await rowAt(3);
    const { rows } = await observer.query<{ chain_id: string; row_hash: string; id: string }>(
      `SELECT chain_id::text, row_hash, id::text FROM audit_events WHERE chain_seq <= 2 AND chain_id = $1::uuid`,
      [third.chainId],
    );
    const second = rows.find((row) => row.id !== undefined && row.row_hash !== null);
    const report = await tampered(
      [
        `DELETE FROM audit_records WHERE chain = (SELECT id FROM audit_strings WHERE value = '${third.chainId}') AND chain_seq <= 2`,
        `INSERT INTO audit_chain_anchors (chain, chain_seq, row_hash)
         SELECT '${third.chainId}', 2, row_hash FROM snapshot
         WHERE chain = (SELECT id FROM audit_strings WHERE value = '${third.chainId}') AND chain_seq = 2`,
      ],
      () => verify(),
    );
    expect(second).toBeDefined();
    expect(report).toEqual({ ok: true, checked: written - 2, firstBroken: null, unchained: 0 });
  });

  it('names a chain whose first row was deleted', async () => {
    const first = await rowAt(1);
    const second = await rowAt(2);
    const report = await tampered([`DELETE FROM audit_records WHERE id = '${first.id}'`], () => verify());
    expect(report.firstBroken).toMatchObject({
      id: second.id,
      sequence: 2,
      reason: expect.stringMatching(/starts at/) as unknown,
    });
  });

  it('names a row inserted outside any chain after chaining began', async () => {
    const intruder = '01900000-0000-7000-8000-000000000001';
    const report = await tampered(
      [
        `INSERT INTO audit_events (id, time, request_id, outcome)
         VALUES ('${intruder}', '2031-01-01T00:00:00Z', 'forged', 'issued')`,
      ],
      () => verify(),
    );
    expect(report).toMatchObject({
      ok: false,
      checked: written,
      unchained: 1,
      firstBroken: { id: intruder, chainId: null, sequence: null },
    });
  });

  it('counts rows older than every chain, written before chaining, without failing', async () => {
    const report = await tampered(
      [
        `INSERT INTO audit_events (id, time, request_id, outcome)
         VALUES ('00dc0000-0000-7000-8000-000000000001', '2000-01-01T00:00:00Z', 'legacy', 'issued')`,
      ],
      () => verify(),
    );
    expect(report).toEqual({ ok: true, checked: written, firstBroken: null, unchained: 1 });
  });

  it('finds the chains intact after batches that failed: a refused row, a table gone for a while', async () => {
    const writer = new AuditWriter(db.dataSource, { maxBatch: 8 });
    await observer.query(
      `ALTER TABLE audit_records ADD CONSTRAINT ck_test_no_evil CHECK (subject <> audit_string_id('evil'))`,
    );
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 16 }, (_, i) =>
          writer.write({ ...record(1000 + i), subject: i === 5 ? 'evil' : 'ok' }),
        ),
      );
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    } finally {
      await observer.query('ALTER TABLE audit_records DROP CONSTRAINT ck_test_no_evil');
    }
    await observer.query('ALTER TABLE audit_records RENAME TO audit_records_away');
    try {
      await expect(writer.write(record(2000))).rejects.toThrow();
    } finally {
      await observer.query('ALTER TABLE audit_records_away RENAME TO audit_records');
    }
    // The writer refuses at once until its probe sees the database answer again.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        vi.waitFor(() => writer.write(record(3000 + i)), { timeout: 10_000, interval: 50 }),
      ),
    );
    await writer.close();
    expect(await verify(5)).toEqual({ ok: true, checked: written + 25, firstBroken: null, unchained: 0 });
  });

  it('starts a new chain after a commit whose acknowledgement is lost: the settled write and the chain both hold', async () => {
    const writer = new AuditWriter(db.dataSource, { maxInFlight: 1 });
    let lostAcknowledgements = 0;
    const pool = (db.dataSource.driver as unknown as { master: { connect(): Promise<{ query: Query }> } })
      .master;
    const connect = pool.connect.bind(pool);
    pool.connect = async () => {
      pool.connect = connect;
      const client = await connect();
      const query: Query = client.query.bind(client);
      client.query = async (config) => {
        const result = await query(config);
        if (config === 'COMMIT') {
          client.query = query;
          lostAcknowledgements += 1;
          throw new Error('Connection terminated unexpectedly');
        }
        return result;
      };
      return client;
    };
    await expect(writer.write(record(4000))).resolves.toEqual(expect.any(String));
    expect(lostAcknowledgements).toBe(1);
    await Promise.all(Array.from({ length: 5 }, (_, i) => writer.write(record(4001 + i))));
    await writer.close();
    const { rows } = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE request_id = 'req-4000'`,
    );
    expect(rows[0]!.n).toBe(1);
    expect(await verify()).toMatchObject({ ok: true, firstBroken: null });
  });

  it('chains the stand-ins of a batch whose commit was lost before it happened', async () => {
    const writer = new AuditWriter(db.dataSource, { maxInFlight: 1 });
    let lostCommits = 0;
    const pool = (db.dataSource.driver as unknown as { master: { connect(): Promise<{ query: Query }> } })
      .master;
    const connect = pool.connect.bind(pool);
    pool.connect = async () => {
      pool.connect = connect;
      const client = await connect();
      const query: Query = client.query.bind(client);
      client.query = async (config) => {
        if (config !== 'COMMIT') return query(config);
        client.query = query;
        lostCommits += 1;
        await query('ROLLBACK');
        throw new Error('Connection terminated unexpectedly');
      };
      return client;
    };
    await expect(writer.write(record(5001))).rejects.toThrow(/did not confirm/);
    await Promise.all(Array.from({ length: 3 }, (_, i) => writer.write(record(5002 + i))));
    await writer.close();
    expect(lostCommits).toBe(1);
    const { rows } = await observer.query<{ outcome: string }>(
      `SELECT outcome FROM audit_events WHERE request_id = 'req-5001'`,
    );
    expect(rows).toEqual([{ outcome: 'denied' }]);
    expect(await verify()).toMatchObject({ ok: true, firstBroken: null });
  });
});
