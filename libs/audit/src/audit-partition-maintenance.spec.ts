import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { useMigratedDatabase } from '../../../test/support/test-database';
import { AuditChainVerifier } from './audit-chain.verifier';
import { AuditPartitionMaintenance } from './audit-partition-maintenance';
import type { AuditRecord } from './audit.types';
import { AuditQuery } from './audit.query';
import { AuditWriter } from './audit.writer';

const DAY = 86_400_000;
const FIRST = Date.parse('2030-01-10T00:00:00Z');

function record(i: number): AuditRecord {
  return {
    time: new Date(FIRST + (i % 3) * DAY + 3_600_000 + i * 1_000),
    requestId: `req-${i}`,
    grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
    outcome: i % 4 === 0 ? 'denied' : 'issued',
    error: i % 4 === 0 ? 'credential_rejected' : null,
    platform: 'cluster',
    subject: `sa-${i % 5}`,
  };
}

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))('AuditPartitionMaintenance', () => {
  const db = useMigratedDatabase();
  let observer: Client;

  beforeAll(async () => {
    observer = new Client({ connectionString: db.database.url });
    await observer.connect();
  });
  afterAll(async () => {
    await observer.end();
  });

  const partitions = async () =>
    (
      await observer.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'audit_records'::regclass ORDER BY 1`,
      )
    ).rows.map((row) => row.name);

  it('creates the partitions of today and the 7 days ahead', async () => {
    const maintenance = new AuditPartitionMaintenance(db.dataSource, { now: () => new Date(FIRST) });
    const report = await maintenance.run();
    expect(report.created).toEqual(
      Array.from(
        { length: 8 },
        (_, d) =>
          `audit_records_p${new Date(FIRST + d * DAY).toISOString().slice(0, 10).replaceAll('-', '')}`,
      ),
    );
    expect(await partitions()).toEqual(expect.arrayContaining([...report.created, 'audit_records_default']));
    expect((await maintenance.run()).created).toEqual([]);
  });

  it('drops whole days past the retention, and the chains still verify from the first row kept', async () => {
    const writers = [1, 2].map(() => new AuditWriter(db.dataSource, { maxBatch: 4 }));
    await Promise.all(Array.from({ length: 60 }, (_, i) => writers[i % 2]!.write(record(i))));
    await Promise.all(writers.map((w) => w.close()));
    const { rows: before } = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_records WHERE time >= '2030-01-11T00:00:00Z'`,
    );

    const maintenance = new AuditPartitionMaintenance(db.dataSource, {
      now: () => new Date(FIRST + 3 * DAY + 60_000),
      retentionDays: 2,
    });
    const report = await maintenance.run();

    expect(report.dropped).toContain('audit_records_p20300110');
    expect(report.dropped).not.toContain('audit_records_p20300111');
    expect(report.compacted).toEqual(['audit_records_p20300111', 'audit_records_p20300112']);
    expect(await partitions()).not.toContain('audit_records_p20300110');
    const { rows: anchors } = await observer.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit_chain_anchors',
    );
    expect(anchors[0]!.n).toBeGreaterThanOrEqual(2);
    expect(await new AuditChainVerifier(db.dataSource, { pageSize: 7 }).verify()).toEqual({
      ok: true,
      checked: before[0]!.n,
      firstBroken: null,
      unchained: 0,
    });
    const page = await new AuditQuery(db.dataSource).list({ platform: 'cluster', limit: 500 });
    expect(page.items).toHaveLength(before[0]!.n);
    expect(page.items.every((item) => item.time >= '2030-01-11')).toBe(true);
    expect((await maintenance.run()).compacted).toEqual([]);
  });

  it('leaves the work to the replica holding the maintenance lock', async () => {
    await observer.query('SELECT pg_advisory_lock(1635083369, 1885434484)');
    try {
      const maintenance = new AuditPartitionMaintenance(db.dataSource, {
        now: () => new Date(FIRST + 30 * DAY),
      });
      expect(await maintenance.run()).toEqual({
        skipped: true,
        created: [],
        dropped: [],
        compacted: [],
        pruned: 0,
      });
    } finally {
      await observer.query('SELECT pg_advisory_unlock(1635083369, 1885434484)');
    }
  });
});
