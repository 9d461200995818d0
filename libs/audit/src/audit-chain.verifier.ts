import type { DataSource } from 'typeorm';
import { auditRowHash, GENESIS_HASH } from './audit-row-hash';
import { AuditStrings } from './audit-strings';
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

interface Link {
  chain: number;
  chainId: string;
  seq: number;
  hash: string;
  id: string;
}

/**
 * Walks every audit hash chain in chain and sequence order, a page at a time (keyset pagination:
 * memory stays bounded whatever the table holds), recomputing each row's hash from its content and
 * the hash of the row before it, and stops at the first row that is altered, out of sequence, or
 * whose predecessor is missing; then looks for rows outside any chain written since chaining began.
 * Where retention dropped the rows before a kept one, the chain goes on from the anchor it recorded
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
    let checked = 0;
    let previous: Link | undefined;
    for (;;) {
      const rows = await this.page(previous);
      const texts = await this.strings.textsOf(
        rows.flatMap((row) => [
          row.chain,
          row.context,
          ...DICTIONARY_POSITIONS.map((i) => row[`c${i}`] as number | null),
        ]),
      );
      for (const row of rows) {
        const link = await this.checkRow(row, texts, previous);
        if ('reason' in link) return this.report(checked, link);
        checked += 1;
        previous = link;
      }
      if (rows.length < this.pageSize) break;
    }
    return this.report(checked, await this.intruder());
  }

  private page(after: Link | undefined): Promise<ChainRow[]> {
    const keyset = after ? `AND (r.chain, r.chain_seq, r.id) > ($2::int4, $3::bigint, $4::uuid)` : '';
    return this.dataSource.query<ChainRow[]>(
      `SELECT r.chain, r.context, r.chain_seq::text AS chain_seq, encode(r.row_hash, 'hex') AS row_hash, ${CONTENT_SQL}
       FROM audit_records r
       WHERE r.chain IS NOT NULL ${keyset}
       ORDER BY r.chain, r.chain_seq, r.id
       LIMIT $1`,
      after ? [this.pageSize, after.chain, after.seq, after.id] : [this.pageSize],
    );
  }

  /** The row as the next link of the walk, or why it breaks the chain. */
  private async checkRow(
    row: ChainRow,
    texts: ReadonlyMap<number, string>,
    previous: Link | undefined,
  ): Promise<Link | AuditChainBreak> {
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
    const id = content[0] ?? '';
    const chainId = texts.get(row.chain) ?? '';
    const seq = Number(row.chain_seq);
    const broken = (reason: string): AuditChainBreak => ({ id, chainId, sequence: seq, reason });
    const sameChain = previous?.chain === row.chain;
    if (sameChain && seq <= previous.seq) {
      return broken(`its sequence number does not follow ${previous.seq}: it repeats an earlier one`);
    }
    let prevHash: string;
    if (sameChain && seq === previous.seq + 1) prevHash = previous.hash;
    else if (!sameChain && seq === 1) prevHash = GENESIS_HASH;
    else {
      const anchor = await this.anchor(chainId, seq - 1);
      if (anchor === undefined) {
        return broken(
          sameChain
            ? `rows are missing before it: its sequence number ${seq} follows ${previous.seq}`
            : `its chain starts at sequence ${seq}: the rows before it are missing`,
        );
      }
      prevHash = anchor;
    }
    const hash = auditRowHash({ chainId, seq, prevHash }, content);
    if (row.row_hash !== hash) return broken('its content does not match its hash: it was altered');
    return { chain: row.chain, chainId, seq, hash, id };
  }

  /** The hash of row `seq` of chain `chainId`, when retention dropped it and recorded it. */
  private async anchor(chainId: string, seq: number): Promise<string | undefined> {
    const [row] = await this.dataSource.query<{ row_hash: string }[]>(
      `SELECT encode(row_hash, 'hex') AS row_hash FROM audit_chain_anchors WHERE chain = $1::uuid AND chain_seq = $2`,
      [chainId, seq],
    );
    return row?.row_hash;
  }

  /** The oldest unchained row written since the first chained one: no writer of this version made it. */
  private async intruder(): Promise<AuditChainBreak | null> {
    const [row] = await this.dataSource.query<{ id: string }[]>(
      `SELECT id::text AS id FROM audit_records
       WHERE chain IS NULL AND time >= (SELECT min(time) FROM audit_records WHERE chain IS NOT NULL)
       ORDER BY time, id LIMIT 1`,
    );
    if (!row) return null;
    return {
      id: row.id,
      chainId: null,
      sequence: null,
      reason:
        'it is in no chain, yet newer than the first chained row: an older version wrote it, or it was inserted around the broker',
    };
  }

  private async report(checked: number, firstBroken: AuditChainBreak | null): Promise<AuditChainReport> {
    const [count] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_records WHERE chain IS NULL`,
    );
    return { ok: firstBroken === null, checked, firstBroken, unchained: count?.n ?? 0 };
  }
}
