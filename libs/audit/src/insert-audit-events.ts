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

/** One audit row as the values of {@link CONTENT_COLUMNS}, in order. */
export type AuditRow = (string | null)[];

/** A row's chain columns: chain id, sequence and own hash (bytea hex input, `\x…`). */
export type ChainColumns = [chainId: string, seq: string, rowHash: string];

type ContentColumn = (typeof CONTENT_COLUMNS)[number][0];

const at = (name: ContentColumn): number => CONTENT_COLUMNS.findIndex(([column]) => column === name);

/** Content columns stored as ids of the `audit_strings` dictionary, under the same name. */
const DICTIONARY_COLUMNS = ['platform', 'subject', 'policy'] as const satisfies readonly ContentColumn[];

/**
 * Content columns that repeat together (a workload sends the same grant, audiences, scopes, address
 * and user agent, and gets the same issued subject, time after time), stored as one dictionary id,
 * `context`: that of the JSON array of their values, in this order.
 */
export const CONTEXT_COLUMNS = [
  'grant_type',
  'issuer',
  'audience',
  'scopes',
  'client_id',
  'client_ip',
  'user_agent',
  'error',
  'actor_subject',
  'issued_subject',
] as const satisfies readonly ContentColumn[];

/** Content columns stored as they are. */
const PLAIN_COLUMNS = [
  ['time', 'timestamptz'],
  ['expires_at', 'timestamptz'],
  ['id', 'uuid'],
  ['reason', 'text'],
  ['unverified_issuer', 'text'],
  ['unverified_subject', 'text'],
  ['unverified_token_id', 'text'],
] as const satisfies readonly (readonly [ContentColumn, string])[];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DIGEST = /^[0-9a-f]{64}$/;

/** `audit_records` columns beside the plain and dictionary ones: how each comes from a row and its link. */
const DERIVED_COLUMNS: readonly (readonly [
  string,
  string,
  (row: AuditRow, link: ChainColumns | undefined) => string | null,
])[] = [
  ['request_uuid', 'uuid', (row) => matching(row[at('request_id')], UUID)],
  ['request_text', 'text', (row) => notMatching(row[at('request_id')], UUID)],
  ['token_uuid', 'uuid', (row) => matching(row[at('token_id')], UUID)],
  ['token_text', 'text', (row) => notMatching(row[at('token_id')], UUID)],
  ['outcome', 'int2', (row) => (row[at('outcome')] === 'issued' ? '1' : '2')],
  ['subject_token_digest', 'bytea', (row) => hexBytea(matching(row[at('subject_token_sha256')], DIGEST))],
  ['subject_token_text', 'text', (row) => notMatching(row[at('subject_token_sha256')], DIGEST)],
  ['chain_seq', 'int8', (_row, link) => link?.[1] ?? null],
  ['row_hash', 'bytea', (_row, link) => link?.[2] ?? null],
];

const STORED = [
  ...PLAIN_COLUMNS.map(([name, type]) => ({ name, type, value: `u.${name}` })),
  ...DERIVED_COLUMNS.map(([name, type]) => ({ name, type, value: `u.${name}` })),
  ...[...DICTIONARY_COLUMNS, 'context', 'chain'].map((name) => ({
    name,
    type: 'int4',
    value: `ids.v[u.${name}]`,
  })),
];

/** The parameter that binds the events' times. */
const TIMES = `$${STORED.findIndex((column) => column.name === 'time') + 2}::timestamptz[]`;

/**
 * One INSERT whatever the batch size, dictionary included: the batch's distinct strings are bound
 * as one array, given their ids by `audit_string_ids` (which adds the new ones, and marks every one
 * as used up to the day of the batch's latest event, for the retention), and every other
 * column is bound as one array parameter, rebuilt into rows with `unnest`; a dictionary column holds
 * the 1-based position of its string. The statement text never changes, and a batch never nears
 * PostgreSQL's 65535-parameter limit.
 */
export const INSERT_AUDIT_EVENTS_SQL =
  `WITH ids AS MATERIALIZED (SELECT audit_string_ids($1::text[], ` +
  `(SELECT (max(t) AT TIME ZONE 'UTC')::date FROM unnest(${TIMES}) t)) AS v) ` +
  `INSERT INTO audit_records (${STORED.map((c) => c.name).join(', ')}) ` +
  `SELECT ${STORED.map((c) => c.value).join(', ')} FROM ids, ` +
  `unnest(${STORED.map((c, i) => `$${i + 2}::${c.type}[]`).join(', ')}) AS u(${STORED.map((c) => c.name).join(', ')})`;

/** The parameters of {@link INSERT_AUDIT_EVENTS_SQL} for `rows` and their `links`. */
export function insertAuditEventsParams(
  rows: readonly AuditRow[],
  links: readonly ChainColumns[],
): (string | null | number)[][] {
  const strings: string[] = [];
  const positions = new Map<string, number>();
  const position = (value: string | null | undefined): number | null => {
    if (value === null || value === undefined) return null;
    let found = positions.get(value);
    if (found === undefined) {
      found = strings.push(value);
      positions.set(value, found);
    }
    return found;
  };
  const plain = PLAIN_COLUMNS.map(([name]) => rows.map((row) => row[at(name)] ?? null));
  const derived = DERIVED_COLUMNS.map(([, , of]) => rows.map((row, i) => of(row, links[i])));
  const dictionary = DICTIONARY_COLUMNS.map((name) => rows.map((row) => position(row[at(name)])));
  const contexts = rows.map((row) =>
    position(JSON.stringify(CONTEXT_COLUMNS.map((name) => row[at(name)] ?? null))),
  );
  const chains = links.length === 0 ? rows.map(() => null) : rows.map((_, i) => position(links[i]?.[0]));
  return [strings, ...plain, ...derived, ...dictionary, contexts, chains];
}

function matching(value: string | null | undefined, pattern: RegExp): string | null {
  return value !== null && value !== undefined && pattern.test(value) ? value : null;
}

function notMatching(value: string | null | undefined, pattern: RegExp): string | null {
  return value !== null && value !== undefined && !pattern.test(value) ? value : null;
}

function hexBytea(hex: string | null): string | null {
  return hex === null ? null : `\\x${hex}`;
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
