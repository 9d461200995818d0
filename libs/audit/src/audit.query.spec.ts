import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@fedbroker/persistence';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { encodeKeysetCursor } from '@fedbroker/persistence';
import { AuditQueryError } from './audit.errors';
import { AuditQuery } from './audit.query';
import type { AuditFilters, AuditRecord } from './audit.types';
import { AuditWriter } from './audit.writer';

const BASE = Date.parse('2030-01-01T00:00:00Z');

describe('AuditQuery', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let query: AuditQuery;
  const ids: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await openDatabase({ url: db.url, poolSize: 1 });
    const writer = new AuditWriter(dataSource);
    const records = Array.from({ length: 40 }, (_, i): AuditRecord => ({
      time: new Date(BASE + Math.floor(i / 2) * 60_000),
      requestId: `req-${i}`,
      grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      outcome: i % 4 === 0 ? 'denied' : 'issued',
      error: i % 4 === 0 ? 'invalid_grant' : null,
      platform: i % 2 === 0 ? 'github' : 'kubernetes',
      subject: i % 4 === 0 ? null : `workload-${i % 5}`,
      policy: i % 4 === 0 ? null : `policy-${i % 3}`,
      audience: ['https://api.example'],
      scopes: ['read'],
      expiresAt: new Date(BASE + 3_600_000),
      ...(i % 4 === 0
        ? { unverified: { issuer: 'https://stranger.example', subject: `claimed-${i}`, tokenId: null } }
        : { tokenId: `jti-${i}`, issuedSubject: `issued-${i}` }),
    }));
    ids.push(...(await Promise.all(records.map((r) => writer.write(r)))));
    await writer.close();
    query = new AuditQuery(dataSource);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('lists newest first, with every field of the view', async () => {
    const { items, nextCursor } = await query.list({ limit: 500 });
    expect(items).toHaveLength(40);
    expect(nextCursor).toBeNull();
    const order = items.map((e) => [e.time, e.id].join(' '));
    expect(order).toEqual([...order].sort().reverse());
    expect(items.find((e) => e.requestId === 'req-1')).toEqual({
      id: ids[1],
      time: '2030-01-01T00:00:00.000Z',
      requestId: 'req-1',
      grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      outcome: 'issued',
      error: null,
      reason: null,
      platform: 'kubernetes',
      issuer: null,
      subject: 'workload-1',
      policy: 'policy-1',
      audience: ['https://api.example'],
      scopes: ['read'],
      tokenId: 'jti-1',
      expiresAt: '2030-01-01T01:00:00.000Z',
      clientId: null,
      clientIp: null,
      userAgent: null,
      subjectTokenSha256: null,
      actorSubject: null,
      issuedSubject: 'issued-1',
      unverified: null,
    });
  });

  it('shows what a refused credential said of itself under unverified, apart from the verified fields', async () => {
    const { items } = await query.list({ requestId: 'req-4' });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      outcome: 'denied',
      issuer: null,
      subject: null,
      issuedSubject: null,
      unverified: { issuer: 'https://stranger.example', subject: 'claimed-4', tokenId: null },
    });
  });

  it('defaults to 50 per page', async () => {
    const { items } = await query.list({});
    expect(items).toHaveLength(40);
  });

  it.each<[string, AuditFilters, (i: number) => boolean]>([
    ['outcome', { outcome: 'denied' }, (i) => i % 4 === 0],
    ['platform', { platform: 'kubernetes' }, (i) => i % 2 === 1],
    ['subject', { subject: 'workload-3' }, (i) => i % 4 !== 0 && i % 5 === 3],
    ['policy', { policy: 'policy-2' }, (i) => i % 4 !== 0 && i % 3 === 2],
    ['requestId', { requestId: 'req-7' }, (i) => i === 7],
    ['tokenId', { tokenId: 'jti-13' }, (i) => i === 13],
    ['from (inclusive)', { from: new Date(BASE + 15 * 60_000) }, (i) => i >= 30],
    ['to (exclusive)', { to: new Date(BASE + 2 * 60_000) }, (i) => i < 4],
    [
      'several at once',
      {
        outcome: 'issued',
        platform: 'github',
        from: new Date(BASE + 60_000),
        to: new Date(BASE + 10 * 60_000),
      },
      (i) => i % 2 === 0 && i % 4 !== 0 && i >= 2 && i < 20,
    ],
  ])('filters by %s', async (_name, filters, expected) => {
    const { items } = await query.list({ ...filters, limit: 500 });
    const want = ids.filter((_, i) => expected(i));
    expect(want.length).toBeGreaterThan(0);
    expect(items.map((e) => e.id).sort()).toEqual(want.sort());
  });

  it.each<[string, AuditFilters]>([
    ['platform', { platform: 'kubernetes' }],
    [
      'subject and a time range',
      { subject: 'workload-1', from: new Date(BASE), to: new Date(BASE + 19 * 60_000) },
    ],
  ])('pages a listing filtered by %s newest first, each row once', async (_name, filters) => {
    const all = (await query.list({ ...filters, limit: 500 })).items;
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await query.list({ ...filters, limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(all.length).toBeGreaterThan(2);
    expect(seen).toEqual(all.map((e) => e.id));
    expect(all.map((e) => e.time)).toEqual(
      all
        .map((e) => e.time)
        .sort()
        .reverse(),
    );
  });

  it('finds nothing, at once, for a name no event holds', async () => {
    expect(await query.list({ platform: 'nowhere' })).toEqual({ items: [], nextCursor: null });
    expect(await query.list({ requestId: '00000000-0000-4000-8000-000000000000' })).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('pages with the cursor, returning every row exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await query.list({ limit: 7, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(6);
    expect(seen).toHaveLength(40);
    expect(new Set(seen)).toEqual(new Set(ids));
  });

  it('pages correctly through rows that differ only in microseconds', async () => {
    const micro = [
      '2031-01-01T00:00:00.000100Z',
      '2031-01-01T00:00:00.000200Z',
      '2031-01-01T00:00:00.000300Z',
    ];
    const microIds = ['00000000-0000-7000-8000-000000000001', '00000000-0000-7000-8000-000000000002'];
    for (const [t, time] of micro.entries()) {
      for (const id of microIds) {
        await dataSource.query(
          `INSERT INTO audit_events (id, time, request_id, outcome, platform) VALUES ($1, $2, 'micro', 'issued', 'micro')`,
          [`${id.slice(0, -2)}${t}${id.slice(-1)}`, time],
        );
      }
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<AuditQuery['list']>> = await query.list({
        platform: 'micro',
        limit: 1,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['base64url of nonsense', Buffer.from('x|y').toString('base64url')],
    ['a bad uuid', Buffer.from('2030-01-01T00:00:00.000000Z|not-a-uuid').toString('base64url')],
    ['a bad time', encodeKeysetCursor({ time: '2030-13-45T99:00:00.000000Z', id: ids[0] ?? '' })],
    [
      'extra fields',
      Buffer.from(`2030-01-01T00:00:00.000000Z|${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}|x`).toString(
        'base64url',
      ),
    ],
    ['an empty string', ''],
  ])('refuses a cursor that is %s', async (_name, cursor) => {
    await expect(query.list({ cursor })).rejects.toMatchObject({
      name: 'AuditQueryError',
      code: 'invalid_cursor',
    });
  });

  it.each([0, -1, 2.5])('refuses limit %s', async (limit) => {
    await expect(query.list({ limit })).rejects.toEqual(
      new AuditQueryError('invalid_limit', 'limit must be a positive integer'),
    );
  });

  it('caps the page at 500', async () => {
    await expect(query.list({ limit: 10_000 })).resolves.toMatchObject({ nextCursor: null });
  });

  it('refuses an invalid time bound', async () => {
    await expect(query.list({ from: new Date(Number.NaN) })).rejects.toMatchObject({ code: 'invalid_range' });
  });
});
