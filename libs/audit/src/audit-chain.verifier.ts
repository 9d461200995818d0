import type { DataSource } from 'typeorm';
import { auditRowHash, GENESIS_HASH } from './audit-row-hash';
import { leaseClient, pgPoolOf } from '@fedbroker/persistence';
import { AuditStrings, type AuditSql } from './audit-strings';
import { CONTENT_COLUMNS, CONTEXT_COLUMNS } from './insert-audit-events';

/** The first row a verification found broken, and why. */
export interface AuditChainBreak {
  id: string;
  /** Null for a row outside any chain. */
  chainId: string | null;
  sequence: number | null;
  reason: string;
}

/** The outcome of {@link AuditChainVerifier.verify}. */
export interface AuditChainReport {
  ok: boolean;
  /** Chained rows found intact, up to the first break. */
  checked: number;
  firstBroken: AuditChainBreak | null;
  /** Rows outside any chain: written before chaining began (they are not verified). */
  unchained: number;
}

export interface AuditChainVerifierOptions {
  /** Rows read per query; default 1,000. Memory holds one page and one link. */
  pageSize?: number;
}

type ContentColumn = (typeof CONTENT_COLUMNS)[number][0];

/** How `audit_records` row `r` gives each content column as canonical text, or a dictionary id. */
const STORED_AS: Partial<Record<ContentColumn, string>> = {
  id: 'r.id::text',
  time: '(extract(epoch FROM r.time) * 1000000)::bigint::text',
  request_id: 'coalesce(r.request_text, r.request_uuid::text)',
  outcome: `CASE r.outcome WHEN 1 THEN 'issued' WHEN 2 THEN 'denied' END`,
  reason: 'r.reason',
  token_id: 'coalesce(r.token_text, r.token_uuid::text)',
  expires_at: '(extract(epoch FROM r.expires_at) * 1000000)::bigint::text',
  subject_token_sha256: `coalesce(r.subject_token_text, encode(r.subject_token_digest, 'hex'))`,
  unverified_issuer: 'r.unverified_issuer',
  unverified_subject: 'r.unverified_subject',
  unverified_token_id: 'r.unverified_token_id',
};

const IN_CONTEXT: ReadonlySet<ContentColumn> = new Set(CONTEXT_COLUMNS);

const CONTENT_SQL = CONTENT_COLUMNS.flatMap(([name], i) =>
  IN_CONTEXT.has(name) ? [] : [`${STORED_AS[name] ?? `r.${name}`} AS c${i}`],
).join(', ');

/** Positions in {@link CONTENT_COLUMNS} of the columns held as dictionary ids. */
const DICTIONARY_POSITIONS = CONTENT_COLUMNS.flatMap(([name], i) =>
  STORED_AS[name] === undefined && !IN_CONTEXT.has(name) ? [i] : [],
);

interface ChainRow {
  chain: number;
  context: number | null;
  chain_seq: string;
  row_hash: string;
  [content: `c${number}`]: string | number | null;
}

/** A chained row read, its content decoded, waiting for the hash of the row before it. */
interface ReadRow {
  chain: number;
  chainId: string;
  seq: number;
  id: string;
  rowHash: string;
  content: (string | null)[];
}

/** Rows read ahead of a missing predecessor, at most, before the first of them is named as broken. */
const MAX_WAITING = 10_000;

/**
 * Walks every audit hash chain, recomputing each row's hash from its content and the hash of the
 * row before it, and stops at the first row that is altered, repeats a sequence number, or whose
 * predecessor is missing; then looks for rows outside any chain written since chaining began.
 *
 * Partition by partition (a cursor over each, sorted by chain and sequence; memory holds one page,
 * the head of each chain, and the rows that came before their predecessor: a row of a chain whose
 * request began before midnight can land in the day before its predecessor's). Where retention
 * dropped the rows before a kept one, the chain goes on from the anchor it recorded
 * (`audit_chain_anchors`: the dropped row's sequence number and hash).
 */
export class AuditChainVerifier {
  private readonly pageSize: number;
  private readonly strings: AuditStrings;

  constructor(
    private readonly dataSource: DataSource,
    options: AuditChainVerifierOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 1_000;
    this.strings = new AuditStrings(dataSource);
  }

  async verify(): Promise<AuditChainReport> {
    /** Per chain, the verified rows whose successor is not verified yet: sequence number to hash. */
    const frontier = new Map<number, Map<number, string>>();
    const waiting = new Map<number, Map<number, ReadRow>>();
    let waitingCount = 0;
    let checked = 0;
    /** Verifies `row` and the rows waiting for it; the break found, if any. */
    const advance = async (row: ReadRow, sql: AuditSql): Promise<AuditChainBreak | undefined> => {
      const known = frontier.get(row.chain) ?? new Map<number, string>();
      frontier.set(row.chain, known);
      const early = waiting.get(row.chain) ?? new Map<number, ReadRow>();
      waiting.set(row.chain, early);
      if (known.has(row.seq) || early.has(row.seq)) {
        return broken(row, `its sequence number does not follow ${row.seq - 1}: it repeats an earlier one`);
      }
      let prevHash =
        known.get(row.seq - 1) ??
        (row.seq === 1 ? GENESIS_HASH : await anchor(sql, row.chainId, row.seq - 1));
      if (prevHash === undefined) {
        early.set(row.seq, row);
        waitingCount += 1;
        return waitingCount > MAX_WAITING ? missingBefore(row, known) : undefined;
      }
      let next: ReadRow | undefined = row;
      while (next !== undefined) {
        const hash = auditRowHash({ chainId: next.chainId, seq: next.seq, prevHash }, next.content);
        if (next.rowHash !== hash) return broken(next, 'its content does not match its hash: it was altered');
        checked += 1;
        known.delete(next.seq - 1);
        known.set(next.seq, hash);
        prevHash = hash;
        const following: ReadRow | undefined = early.get(next.seq + 1);
        if (following !== undefined) {
          early.delete(following.seq);
          waitingCount -= 1;
        }
        next = following;
      }
      return undefined;
    };

    const lease = await leaseClient(pgPoolOf(this.dataSource), 10_000);
    const sql: AuditSql = async (text, values) => (await lease.client.query(text, values)).rows as unknown[];
    try {
      await sql('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const report = async (found: AuditChainBreak | null): Promise<AuditChainReport> => {
        const [count] = (await sql(`SELECT count(*)::int AS n FROM audit_records WHERE chain IS NULL`)) as {
          n: number;
        }[];
        return { ok: found === null, checked, firstBroken: found, unchained: count?.n ?? 0 };
      };
      for (const partition of await partitions(sql)) {
        const found = await this.walk(sql, partition, (row) => advance(row, sql));
        if (found !== undefined) return await report(found);
      }
      for (const [chain, early] of waiting) {
        const first = [...early.values()].sort((a, b) => a.seq - b.seq)[0];
        if (first !== undefined) return await report(missingBefore(first, frontier.get(chain)));
      }
      return await report(await intruder(sql));
    } finally {
      await sql('ROLLBACK').then(
        () => lease.release(),
        () => lease.discard(),
      );
    }
  }

  /** Feeds the chained rows of `partition` to `advance` in chain and sequence order, until a break. */
  private async walk(
    sql: AuditSql,
    partition: string,
    advance: (row: ReadRow) => Promise<AuditChainBreak | undefined>,
  ): Promise<AuditChainBreak | undefined> {
    try {
      await sql(
        `DECLARE audit_chain_walk NO SCROLL CURSOR FOR
         SELECT r.chain, r.context, r.chain_seq::text AS chain_seq, encode(r.row_hash, 'hex') AS row_hash, ${CONTENT_SQL}
         FROM ONLY "${partition.replaceAll('"', '""')}" r
         WHERE r.chain IS NOT NULL
         ORDER BY r.chain, r.chain_seq, r.id`,
      );
      for (;;) {
        const rows = (await sql(`FETCH ${this.pageSize} FROM audit_chain_walk`)) as ChainRow[];
        const texts = await this.strings.textsOf(
          rows.flatMap((row) => [
            row.chain,
            row.context,
            ...DICTIONARY_POSITIONS.map((i) => row[`c${i}`] as number | null),
          ]),
          sql,
        );
        for (const row of rows) {
          const found = await advance(decode(row, texts));
          if (found !== undefined) return found;
        }
        if (rows.length < this.pageSize) return undefined;
      }
    } finally {
      await sql('CLOSE audit_chain_walk');
    }
  }
}

/** `row` of the walk, its content in {@link CONTENT_COLUMNS} order as the hash covers it. */
function decode(row: ChainRow, texts: ReadonlyMap<number, string>): ReadRow {
  const context = JSON.parse(row.context === null ? '[]' : (texts.get(row.context) ?? '[]')) as (
    string | null
  )[];
  const content = CONTENT_COLUMNS.map(([name, type], i) => {
    const value = IN_CONTEXT.has(name)
      ? (context[CONTEXT_COLUMNS.indexOf(name as (typeof CONTEXT_COLUMNS)[number])] ?? null)
      : (row[`c${i}`] ?? null);
    const text =
      STORED_AS[name] === undefined && !IN_CONTEXT.has(name) && value !== null
        ? (texts.get(Number(value)) ?? null)
        : value;
    return text !== null && type === 'jsonb'
      ? JSON.stringify(JSON.parse(String(text)))
      : (text as string | null);
  });
  return {
    chain: row.chain,
    chainId: texts.get(row.chain) ?? '',
    seq: Number(row.chain_seq),
    id: content[0] ?? '',
    rowHash: row.row_hash,
    content,
  };
}

function broken(row: ReadRow, reason: string): AuditChainBreak {
  return { id: row.id, chainId: row.chainId, sequence: row.seq, reason };
}

/** The break of `row`, whose predecessor was never found (`known`: the verified rows of its chain). */
function missingBefore(row: ReadRow, known: ReadonlyMap<number, string> | undefined): AuditChainBreak {
  const before = [...(known?.keys() ?? [])].filter((seq) => seq < row.seq);
  return broken(
    row,
    before.length === 0
      ? `its chain starts at sequence ${row.seq}: the rows before it are missing`
      : `rows are missing before it: its sequence number ${row.seq} follows ${Math.max(...before)}`,
  );
}

/** The partitions of `audit_records`, the DEFAULT one first, then day by day. */
async function partitions(sql: AuditSql): Promise<string[]> {
  const rows = (await sql(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'audit_records'::regclass
     ORDER BY c.relname !~ '^audit_records_p[0-9]{8}$' DESC, c.relname`,
  )) as { name: string }[];
  return rows.map((row) => row.name);
}

/** The hash of row `seq` of chain `chainId`, when retention dropped it and recorded it. */
async function anchor(sql: AuditSql, chainId: string, seq: number): Promise<string | undefined> {
  const [row] = (await sql(
    `SELECT encode(row_hash, 'hex') AS row_hash FROM audit_chain_anchors WHERE chain = $1::uuid AND chain_seq = $2`,
    [chainId, seq],
  )) as { row_hash: string }[];
  return row?.row_hash;
}

/** The oldest unchained row written since the first chained one: no writer of this version made it. */
async function intruder(sql: AuditSql): Promise<AuditChainBreak | null> {
  const [row] = (await sql(
    `SELECT id::text AS id FROM audit_records
     WHERE chain IS NULL AND time >= (SELECT min(time) FROM audit_records WHERE chain IS NOT NULL)
     ORDER BY time, id LIMIT 1`,
  )) as { id: string }[];
  if (!row) return null;
  return {
    id: row.id,
    chainId: null,
    sequence: null,
    reason:
      'it is in no chain, yet newer than the first chained row: an older version wrote it, or it was inserted around the broker',
  };
}
