import type { DataSource } from 'typeorm';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor';
import { AuditQueryError } from './audit.errors';
import type { AuditEventView, AuditFilters, AuditPage } from './audit.types';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

interface AuditEventRow {
  id: string;
  time: Date;
  cursor_time: string;
  request_id: string;
  grant_type: string | null;
  outcome: 'issued' | 'denied';
  error: string | null;
  reason: string | null;
  platform: string | null;
  issuer: string | null;
  subject: string | null;
  policy: string | null;
  audience: string[] | null;
  scopes: string[] | null;
  token_id: string | null;
  expires_at: Date | null;
  client_id: string | null;
  client_ip: string | null;
  user_agent: string | null;
  subject_token_sha256: string | null;
  actor_subject: string | null;
  issued_subject: string | null;
  unverified_issuer: string | null;
  unverified_subject: string | null;
  unverified_token_id: string | null;
}

/** Lists audit events for the admin API: filtered, newest first, keyset-paginated. */
export class AuditQuery {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One page of events matching `filters`. Throws {@link AuditQueryError} for a malformed cursor
   * (`invalid_cursor`), limit (`invalid_limit`) or time bound (`invalid_range`).
   */
  async list(filters: AuditFilters): Promise<AuditPage> {
    const limit = pageSize(filters.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    const bind = (value: unknown): string => `$${params.push(value)}`;

    if (filters.outcome !== undefined) where.push(`outcome = ${bind(filters.outcome)}`);
    if (filters.platform !== undefined) where.push(`platform = ${bind(filters.platform)}`);
    if (filters.subject !== undefined) where.push(`subject = ${bind(filters.subject)}`);
    if (filters.policy !== undefined) where.push(`policy = ${bind(filters.policy)}`);
    if (filters.requestId !== undefined) where.push(`request_id = ${bind(filters.requestId)}`);
    if (filters.tokenId !== undefined) where.push(`token_id = ${bind(filters.tokenId)}`);
    if (filters.from !== undefined) where.push(`time >= ${bind(validTime(filters.from))}::timestamptz`);
    if (filters.to !== undefined) where.push(`time < ${bind(validTime(filters.to))}::timestamptz`);
    if (filters.cursor !== undefined) {
      const after = decodeAuditCursor(filters.cursor);
      where.push(`(time, id) < (${bind(after.time)}::timestamptz, ${bind(after.id)}::uuid)`);
    }

    const rows = await this.dataSource.query<AuditEventRow[]>(
      `SELECT *, to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_time
       FROM audit_events
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
        rows.length > limit && last ? encodeAuditCursor({ time: last.cursor_time, id: last.id }) : null,
    };
  }
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new AuditQueryError('invalid_limit', 'limit must be a positive integer');
  }
  return Math.min(limit, MAX_LIMIT);
}

function validTime(value: Date): string {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new AuditQueryError('invalid_range', 'from and to must be valid times');
  }
  return value.toISOString();
}

function toView(row: AuditEventRow): AuditEventView {
  return {
    id: row.id,
    time: row.time.toISOString(),
    requestId: row.request_id,
    grantType: row.grant_type,
    outcome: row.outcome,
    error: row.error,
    reason: row.reason,
    platform: row.platform,
    issuer: row.issuer,
    subject: row.subject,
    policy: row.policy,
    audience: row.audience,
    scopes: row.scopes,
    tokenId: row.token_id,
    expiresAt: row.expires_at ? row.expires_at.toISOString() : null,
    clientId: row.client_id,
    clientIp: row.client_ip,
    userAgent: row.user_agent,
    subjectTokenSha256: row.subject_token_sha256,
    actorSubject: row.actor_subject,
    issuedSubject: row.issued_subject,
    unverified: unverifiedView(row),
  };
}

function unverifiedView(row: AuditEventRow): AuditEventView['unverified'] {
  const { unverified_issuer: issuer, unverified_subject: subject, unverified_token_id: tokenId } = row;
  return issuer === null && subject === null && tokenId === null ? null : { issuer, subject, tokenId };
}
