import { describe, expect, it } from 'vitest';
import { auditRowHash, canonicalContent, GENESIS_HASH } from './audit-row-hash';
import type { AuditRecord } from './audit.types';
import { CONTENT_COLUMNS, ORIGINAL_COLUMN_COUNT, toAuditRow } from './insert-audit-events';

const RECORD: AuditRecord = {
  time: new Date('2030-01-01T00:00:00.123Z'),
  requestId: 'req-1',
  grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  outcome: 'issued',
  platform: 'cluster',
  subject: 'system:serviceaccount:apps:api',
  audience: ['https://api.example'],
  scopes: ['read', 'write'],
  expiresAt: new Date('1969-12-31T23:59:59.999Z'),
  userAgent: 'curl/8 "é"',
};
const ROW = toAuditRow('01900000-0000-7000-8000-000000000001', RECORD);
const POSITION = { chainId: '6f9619ff-8b86-4d01-b42d-00c04fc964ff', seq: 1, prevHash: GENESIS_HASH };

describe('the audit row hash', () => {
  it('encodes times as integer microseconds since the epoch', () => {
    const content = canonicalContent(ROW);
    expect(content[1]).toBe('1893456000123000');
    expect(content[14]).toBe('-1000');
  });

  // Rows already written were hashed this way: a change here makes every existing chain look broken.
  it('is stable', () => {
    expect(auditRowHash(POSITION, canonicalContent(ROW))).toBe(
      '728fe029c024793726f20761f5c119a0b1dd6a5cd6b27e00bba5f1de348698d1',
    );
  });

  it('hashes a row whose added columns are all null as the rows written before they existed', () => {
    const content = canonicalContent(ROW);
    expect(content).toHaveLength(CONTENT_COLUMNS.length);
    expect(auditRowHash(POSITION, content)).toBe(
      auditRowHash(POSITION, content.slice(0, ORIGINAL_COLUMN_COUNT)),
    );
  });

  it.each([
    ['issued subject', { issuedSubject: 'k8s:payments:deployer' }],
    ['unverified issuer', { unverified: { issuer: 'https://stranger.example' } }],
    ['unverified subject', { unverified: { subject: 'system:serviceaccount:a:b' } }],
    ['unverified token id', { unverified: { tokenId: 'j-1' } }],
  ])('covers the added column %s', (_name, added) => {
    const withAdded = toAuditRow(ROW[0] ?? '', { ...RECORD, ...added });
    expect(auditRowHash(POSITION, canonicalContent(withAdded))).not.toBe(
      auditRowHash(POSITION, canonicalContent(ROW)),
    );
  });

  it('tells apart the same value in two added columns', () => {
    const asSubject = toAuditRow(ROW[0] ?? '', { ...RECORD, unverified: { subject: 'x' } });
    const asTokenId = toAuditRow(ROW[0] ?? '', { ...RECORD, unverified: { tokenId: 'x' } });
    expect(auditRowHash(POSITION, canonicalContent(asSubject))).not.toBe(
      auditRowHash(POSITION, canonicalContent(asTokenId)),
    );
  });

  it.each([
    ['chain', { ...POSITION, chainId: '6f9619ff-8b86-4d01-b42d-00c04fc964fe' }],
    ['sequence', { ...POSITION, seq: 2 }],
    ['previous hash', { ...POSITION, prevHash: '1'.repeat(64) }],
  ])('covers the %s', (_name, position) => {
    expect(auditRowHash(position, canonicalContent(ROW))).not.toBe(
      auditRowHash(POSITION, canonicalContent(ROW)),
    );
  });

  it('tells a null from the string "null"', () => {
    const withNull = canonicalContent(ROW);
    const withString = withNull.map((v, i) => (i === 10 ? 'null' : v));
    expect(withNull[10]).toBeNull();
    expect(auditRowHash(POSITION, withString)).not.toBe(auditRowHash(POSITION, withNull));
  });
});
