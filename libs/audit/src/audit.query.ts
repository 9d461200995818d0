import type { DataSource } from 'typeorm';
import { CURSOR_TIME_COLUMN, decodeKeysetCursor, encodeKeysetCursor } from '@fedbroker/persistence';
import { AuditStrings } from './audit-strings';
import { AuditQueryError } from './audit.errors';
import type { AuditEventView, AuditFilters, AuditPage } from './audit.types';
import { CONTEXT_COLUMNS } from './insert-audit-events';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/** The dictionary columns of `audit_records` the listing reads. */
const STRING_COLUMNS = ['platform', 'subject', 'policy', 'context'] as const;

const LIST_COLUMNS_SQL = [
  'id',
  'time',
  CURSOR_TIME_COLUMN,
  'coalesce(request_text, request_uuid::text) AS request_id',
  'outcome',
  'reason',
  'coalesce(token_text, token_uuid::text) AS token_id',
  'expires_at',
  `coalesce(subject_token_text, encode(subject_token_digest, 'hex')) AS subject_token_sha256`,
  'unverified_issuer',
  'unverified_subject',
  'unverified_token_id',
  ...STRING_COLUMNS,
].join(', ');

/** How a request or token id is found: through the 64-bit hash its index holds, then compared. */
const REQUEST_ID = 'coalesce(request_text, request_uuid::text)';
const TOKEN_ID = 'coalesce(token_text, token_uuid::text)';

type StringColumn = (typeof STRING_COLUMNS)[number];

type AuditRecordRow = Record<StringColumn, number | null> & {
  id: string;
  time: Date;
  cursor_time: string;
  request_id: string;
  outcome: number;
  reason: string | null;
  token_id: string | null;
  expires_at: Date | null;
  subject_token_sha256: string | null;
  unverified_issuer: string | null;
  unverified_subject: string | null;
  unverified_token_id: string | null;
};

/** Lists audit events for the admin API: filtered, newest first, keyset-paginated. */
export class AuditQuery {
  private readonly strings: AuditStrings;

  constructor(private readonly dataSource: DataSource) {
    this.strings = new AuditStrings(dataSource);
  }

  /**
   * One page of events matching `filters`. Throws {@link AuditQueryError} for a malformed cursor
   * (`invalid_cursor`), limit (`invalid_limit`) or time bound (`invalid_range`).
   */
  async list(filters: AuditFilters): Promise<AuditPage> {
    const limit = pageSize(filters.limit);
    const where: string[] = [];
    const params: unknown[] = [];
    const bind = (value: unknown): string => `$${params.push(value)}`;

    if (filters.outcome !== undefined) where.push(`outcome = ${bind(filters.outcome === 'issued' ? 1 : 2)}`);
    const wanted: ['platform' | 'subject' | 'policy', string][] = [];
    if (filters.platform !== undefined) wanted.push(['platform', filters.platform]);
    if (filters.subject !== undefined) wanted.push(['subject', filters.subject]);
    if (filters.policy !== undefined) wanted.push(['policy', filters.policy]);
    const ids = await this.strings.idsOf(wanted.map(([, value]) => value));
    if (ids.some((id) => id === null)) return { items: [], nextCursor: null };
    wanted.forEach(([column], i) => where.push(`${column} = ${bind(ids[i])}`));
    if (filters.requestId !== undefined) where.push(hashedEquals(REQUEST_ID, bind(filters.requestId)));
    if (filters.tokenId !== undefined) where.push(hashedEquals(TOKEN_ID, bind(filters.tokenId)));
    // With a name filter, its index orders by the second: say so, and bound the second too.
    const bySecond = wanted.length > 0;
    const second = (time: string) => (bySecond ? [`audit_second(time) ${time}`] : []);
    if (filters.from !== undefined) {
      const from = bind(validTime(filters.from));
      where.push(`time >= ${from}::timestamptz`, ...second(`>= audit_second(${from}::timestamptz)`));
    }
    if (filters.to !== undefined) {
      const to = bind(validTime(filters.to));
      where.push(`time < ${to}::timestamptz`, ...second(`<= audit_second(${to}::timestamptz)`));
    }
    if (filters.cursor !== undefined) {
      const after = decodeKeysetCursor(filters.cursor);
      if (after === undefined) {
        throw new AuditQueryError('invalid_cursor', 'The cursor is not one this API returned');
      }
      const time = bind(after.time);
      where.push(
        `(time, id) < (${time}::timestamptz, ${bind(after.id)}::uuid)`,
        ...second(`<= audit_second(${time}::timestamptz)`),
      );
    }

    const rows = await this.dataSource.query<AuditRecordRow[]>(
      `SELECT ${LIST_COLUMNS_SQL}
       FROM audit_records
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${bySecond ? 'audit_second(time) DESC, ' : ''}time DESC, id DESC
       LIMIT ${bind(limit + 1)}`,
      params,
    );

    const page = rows.slice(0, limit);
    const texts = await this.strings.textsOf(
      page.flatMap((row) => STRING_COLUMNS.map((column) => row[column])),
    );
    const last = page[page.length - 1];
    return {
      items: page.map((row) => toView(row, texts)),
      nextCursor:
        rows.length > limit && last ? encodeKeysetCursor({ time: last.cursor_time, id: last.id }) : null,
    };
  }
}

/** `expression = value`, said so that the index on the expression's 64-bit hash finds it. */
function hashedEquals(expression: string, value: string): string {
  return `hashtextextended(${expression}, 0) = hashtextextended(${value}::text, 0) AND ${expression} = ${value}::text`;
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

function toView(row: AuditRecordRow, texts: ReadonlyMap<number, string>): AuditEventView {
  const text = (column: StringColumn): string | null => {
    const id = row[column];
    return id === null ? null : (texts.get(id) ?? null);
  };
  const context = contextOf(text('context'));
  const inContext = (column: (typeof CONTEXT_COLUMNS)[number]): string | null =>
    context[CONTEXT_COLUMNS.indexOf(column)] ?? null;
  const list = (column: 'audience' | 'scopes'): string[] | null => {
    const json = inContext(column);
    return json === null ? null : (JSON.parse(json) as string[]);
  };
  return {
    id: row.id,
    time: row.time.toISOString(),
    requestId: row.request_id,
    grantType: inContext('grant_type'),
    outcome: row.outcome === 1 ? 'issued' : 'denied',
    error: inContext('error'),
    reason: row.reason,
    platform: text('platform'),
    issuer: inContext('issuer'),
    subject: text('subject'),
    policy: text('policy'),
    audience: list('audience'),
    scopes: list('scopes'),
    tokenId: row.token_id,
    expiresAt: row.expires_at ? row.expires_at.toISOString() : null,
    clientId: inContext('client_id'),
    clientIp: inContext('client_ip'),
    userAgent: inContext('user_agent'),
    subjectTokenSha256: row.subject_token_sha256,
    actorSubject: inContext('actor_subject'),
    issuedSubject: inContext('issued_subject'),
    unverified: unverifiedView(row),
  };
}

function contextOf(json: string | null): (string | null)[] {
  return json === null ? [] : (JSON.parse(json) as (string | null)[]);
}

function unverifiedView(row: AuditRecordRow): AuditEventView['unverified'] {
  const { unverified_issuer: issuer, unverified_subject: subject, unverified_token_id: tokenId } = row;
  return issuer === null && subject === null && tokenId === null ? null : { issuer, subject, tokenId };
}
