import type { AuditRecord } from './audit.types';
import { storableText } from './storable-text';

/** The content columns of the first chained rows. */
const ORIGINAL_COLUMNS = [
  ['id', 'uuid'],
  ['time', 'timestamptz'],
  ['request_id', 'text'],
  ['grant_type', 'text'],
  ['outcome', 'text'],
  ['error', 'text'],
  ['reason', 'text'],
  ['platform', 'text'],
  ['issuer', 'text'],
  ['subject', 'text'],
  ['policy', 'text'],
  ['audience', 'jsonb'],
  ['scopes', 'jsonb'],
  ['token_id', 'text'],
  ['expires_at', 'timestamptz'],
  ['client_id', 'text'],
  ['client_ip', 'text'],
  ['user_agent', 'text'],
  ['subject_token_sha256', 'text'],
  ['actor_subject', 'text'],
] as const;

/** Content columns added since chaining began; each is null in the rows written before it. */
const ADDED_COLUMNS = [
  ['issued_subject', 'text'],
  ['unverified_issuer', 'text'],
  ['unverified_subject', 'text'],
  ['unverified_token_id', 'text'],
] as const;

/** The columns of an event's content, in the order rows hold them and the chain hash covers them. */
export const CONTENT_COLUMNS = [...ORIGINAL_COLUMNS, ...ADDED_COLUMNS] as const;

/** How many content columns every chained row hashes; the added ones only up to the last set. */
export const ORIGINAL_COLUMN_COUNT = ORIGINAL_COLUMNS.length;

const CHAIN_COLUMNS = [
  ['chain_id', 'uuid'],
  ['chain_seq', 'int8'],
  ['prev_hash', 'bytea'],
  ['row_hash', 'bytea'],
] as const;

const COLUMNS = [...CONTENT_COLUMNS, ...CHAIN_COLUMNS];

/** One audit row as the values of {@link CONTENT_COLUMNS}, in order. */
export type AuditRow = (string | null)[];

/** A row's chain columns: chain id, sequence, previous and own hash (bytea hex input, `\x…`). */
export type ChainColumns = [chainId: string, seq: string, prevHash: string, rowHash: string];

/**
 * One multi-row INSERT whatever the batch size: each column is bound as one array parameter and
 * the rows are rebuilt with `unnest`, so a batch never nears PostgreSQL's 65535-parameter limit
 * and the statement text never changes.
 */
export const INSERT_AUDIT_EVENTS_SQL =
  `INSERT INTO audit_events (${COLUMNS.map(([name]) => name).join(', ')}) ` +
  `SELECT * FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`;

/** The array parameters of {@link INSERT_AUDIT_EVENTS_SQL} for `rows` and their `links`. */
export function insertAuditEventsParams(
  rows: readonly AuditRow[],
  links: readonly ChainColumns[],
): (string | null)[][] {
  const content = CONTENT_COLUMNS.map((_, column) => rows.map((row) => row[column] ?? null));
  const chain = CHAIN_COLUMNS.map((_, column) => links.map((link) => link[column] ?? null));
  return [...content, ...chain];
}

/** Validates `record` and turns it into a row; throws `TypeError` on a malformed record. */
export function toAuditRow(id: string, record: AuditRecord): AuditRow {
  if (record.outcome !== 'issued' && record.outcome !== 'denied') {
    throw new TypeError('An audit record outcome is "issued" or "denied"');
  }
  if (typeof record.requestId !== 'string') throw new TypeError('An audit record needs a requestId');
  return [
    id,
    isoTime(record.time, 'time'),
    storableText(record.requestId),
    text(record.grantType),
    record.outcome,
    text(record.error),
    text(record.reason),
    text(record.platform),
    text(record.issuer),
    text(record.subject),
    text(record.policy),
    json(record.audience),
    json(record.scopes),
    text(record.tokenId),
    record.expiresAt ? isoTime(record.expiresAt, 'expiresAt') : null,
    text(record.clientId),
    text(record.clientIp),
    text(record.userAgent),
    text(record.subjectTokenSha256),
    text(record.actorSubject),
    text(record.issuedSubject),
    text(record.unverified?.issuer),
    text(record.unverified?.subject),
    text(record.unverified?.tokenId),
  ];
}

function text(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : storableText(String(value));
}

function json(values: string[] | null | undefined): string | null {
  return values ? JSON.stringify(values.map((v) => storableText(String(v)))) : null;
}

function isoTime(value: Date, field: string): string {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new TypeError(`An audit record ${field} must be a valid Date`);
  }
  return value.toISOString();
}
