import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@fedbroker/persistence';
import { dataSourceBefore } from '../../../test/support/migrations';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { AuditChainVerifier } from './audit-chain.verifier';
import { auditRowHash, canonicalContent, GENESIS_HASH } from './audit-row-hash';
import { AuditQuery } from './audit.query';
import { CONTENT_COLUMNS, toAuditRow } from './insert-audit-events';
import type { AuditRecord } from './audit.types';

const CHAIN = '7d0c5a0e-4f3e-4a51-9c2b-0d1d2b3c4e5f';

function record(i: number): AuditRecord {
  return {
    time: new Date(Date.parse('2026-06-01T10:00:00Z') + i * 3_600_000 * 7),
    requestId: i === 2 ? `client-chosen id ${i}` : `0190a0b0-0000-7000-8000-00000000000${i}`,
    grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
    outcome: i === 1 ? 'denied' : 'issued',
    error: i === 1 ? 'credential_rejected' : null,
    reason: i === 1 ? 'the credential expired' : null,
    platform: 'prod',
    issuer: 'https://issuer.example',
    subject: `system:serviceaccount:apps:sa-${i}`,
    policy: i === 1 ? null : 'apps',
    audience: i === 1 ? null : ['https://api.example'],
    scopes: i === 1 ? null : ['read', 'write'],
    tokenId: i === 1 ? null : `jti-${i}`,
    expiresAt: i === 1 ? null : new Date(Date.parse('2026-06-01T11:00:00Z') + i * 3_600_000 * 7),
    clientIp: '203.0.113.7',
    userAgent: 'curl/8',
    subjectTokenSha256: 'ab'.repeat(32),
    issuedSubject: i === 1 ? null : `k8s:apps:sa-${i}`,
    ...(i === 1 ? { unverified: { issuer: 'https://issuer.example', subject: 'sa-1', tokenId: null } } : {}),
  };
}

describe('the migration to day partitions', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const ids = [0, 1, 2, 3].map((i) => `0190a0b0-0000-7000-8000-0000000000a${i}`);

  beforeAll(async () => {
    db = await createTestDatabase();
    const before = dataSourceBefore(db.url, 'AuditPartitions1764910000000');
    await before.initialize();
    await before.runMigrations();
    let prevHash = GENESIS_HASH;
    for (const [i, id] of ids.entries()) {
      const row = toAuditRow(id, record(i));
      const seq = i + 1;
      const hash = auditRowHash({ chainId: CHAIN, seq, prevHash }, canonicalContent(row));
      const columns = [
        ...CONTENT_COLUMNS.map(([name]) => name),
        'chain_id',
        'chain_seq',
        'prev_hash',
        'row_hash',
      ];
      await before.query(
        `INSERT INTO audit_events (${columns.join(', ')})
         VALUES (${columns.map((_, n) => `$${n + 1}`).join(', ')})`,
        [...row, CHAIN, seq, `\\x${prevHash}`, `\\x${hash}`],
      );
      prevHash = hash;
    }
    await before.query(
      `INSERT INTO audit_events (id, time, request_id, outcome, platform)
       VALUES ('0090a0b0-0000-7000-8000-000000000001', '2020-01-01T00:00:00Z', 'legacy', 'issued', 'prod')`,
    );
    await before.destroy();
    dataSource = await openDatabase({ url: db.url, poolSize: 1 });
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('moves every event, readable through the listing as it was written', async () => {
    const { items } = await new AuditQuery(dataSource).list({ platform: 'prod', limit: 500 });
    expect(items.map((e) => e.id)).toEqual([...ids].reverse().concat('0090a0b0-0000-7000-8000-000000000001'));
    const denied = items.find((e) => e.id === ids[1]);
    expect(denied).toMatchObject({
      outcome: 'denied',
      error: 'credential_rejected',
      reason: 'the credential expired',
      subject: 'system:serviceaccount:apps:sa-1',
      audience: null,
      unverified: { issuer: 'https://issuer.example', subject: 'sa-1', tokenId: null },
    });
    expect(items.find((e) => e.id === ids[2])).toMatchObject({
      requestId: 'client-chosen id 2',
      tokenId: 'jti-2',
      audience: ['https://api.example'],
      scopes: ['read', 'write'],
      subjectTokenSha256: 'ab'.repeat(32),
      clientIp: '203.0.113.7',
      userAgent: 'curl/8',
      issuedSubject: 'k8s:apps:sa-2',
      expiresAt: '2026-06-02T01:00:00.000Z',
    });
    expect((await new AuditQuery(dataSource).list({ tokenId: 'jti-3' })).items.map((e) => e.id)).toEqual([
      ids[3],
    ]);
  });

  it('keeps the hash chain verifying, the older unchained event counted apart', async () => {
    expect(await new AuditChainVerifier(dataSource).verify()).toEqual({
      ok: true,
      checked: 4,
      firstBroken: null,
      unchained: 1,
    });
  });

  it('puts each day in its own partition, and keeps the old columns in the audit_events view', async () => {
    const [partition] = await dataSource.query<{ name: string }[]>(
      `SELECT tableoid::regclass::text AS name FROM audit_records WHERE id = $1`,
      [ids[0]],
    );
    expect(partition?.name).toBe('audit_records_p20260601');
    const [view] = await dataSource.query<Record<string, unknown>[]>(
      `SELECT request_id, outcome, audience, prev_hash IS NOT NULL AS linked FROM audit_events WHERE id = $1`,
      [ids[2]],
    );
    expect(view).toEqual({
      request_id: 'client-chosen id 2',
      outcome: 'issued',
      audience: ['https://api.example'],
      linked: true,
    });
  });
});
