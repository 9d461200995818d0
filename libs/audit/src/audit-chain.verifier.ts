import type { DataSource } from 'typeorm';
import { auditRowHash, GENESIS_HASH } from './audit-row-hash';
import { CONTENT_COLUMNS } from './insert-audit-events';

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

interface ChainRow {
  chain_id: string;
  chain_seq: string;
  prev_hash: string | null;
  row_hash: string | null;
  [content: `c${number}`]: string | null;
}

interface Link {
  chainId: string;
  seq: number;
  hash: string;
  id: string;
}

const CONTENT_SQL = CONTENT_COLUMNS.map(([name, type], i) =>
  type === 'timestamptz'
    ? `(extract(epoch FROM ${name}) * 1000000)::bigint::text AS c${i}`
    : `${name}::text AS c${i}`,
).join(', ');

/**
 * Walks every audit hash chain in `(chain_id, chain_seq)` order, a page at a time (keyset
 * pagination: memory stays bounded whatever the table holds), recomputing each row's hash, and
 * stops at the first row that is altered, out of sequence, or not linked to the row before it; then
 * looks for rows outside any chain written since chaining began.
 */
export class AuditChainVerifier {
  private readonly pageSize: number;

  constructor(
    private readonly dataSource: DataSource,
    options: AuditChainVerifierOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 1_000;
  }

  async verify(): Promise<AuditChainReport> {
    let checked = 0;
    let previous: Link | undefined;
    for (;;) {
      const rows = await this.page(previous);
      for (const row of rows) {
        const link = checkRow(row, previous);
        if ('reason' in link) return this.report(checked, link);
        checked += 1;
        previous = link;
      }
      if (rows.length < this.pageSize) break;
    }
    return this.report(checked, await this.intruder());
  }

  private page(after: Link | undefined): Promise<ChainRow[]> {
    const keyset = after ? `AND (chain_id, chain_seq, id) > ($2::uuid, $3::bigint, $4::uuid)` : '';
    return this.dataSource.query<ChainRow[]>(
      `SELECT chain_id::text AS chain_id, chain_seq::text AS chain_seq,
              encode(prev_hash, 'hex') AS prev_hash, encode(row_hash, 'hex') AS row_hash, ${CONTENT_SQL}
       FROM audit_events e
       WHERE chain_id IS NOT NULL ${keyset}
       ORDER BY e.chain_id, e.chain_seq, e.id
       LIMIT $1`,
      after ? [this.pageSize, after.chainId, after.seq, after.id] : [this.pageSize],
    );
  }

  /** The oldest unchained row written since the first chained one: no writer of this version made it. */
  private async intruder(): Promise<AuditChainBreak | null> {
    const [row] = await this.dataSource.query<{ id: string }[]>(
      `SELECT id::text AS id FROM audit_events
       WHERE chain_id IS NULL AND time >= (SELECT min(time) FROM audit_events WHERE chain_id IS NOT NULL)
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
      `SELECT count(*)::int AS n FROM audit_events WHERE chain_id IS NULL`,
    );
    return { ok: firstBroken === null, checked, firstBroken, unchained: count?.n ?? 0 };
  }
}

/** The row as the next link of the walk, or why it breaks the chain. */
function checkRow(row: ChainRow, previous: Link | undefined): Link | AuditChainBreak {
  const content = CONTENT_COLUMNS.map(([, type], i) => canonical(row[`c${i}`] ?? null, type));
  const id = content[0] ?? '';
  const seq = Number(row.chain_seq);
  const broken = (reason: string): AuditChainBreak => ({ id, chainId: row.chain_id, sequence: seq, reason });
  const sameChain = previous?.chainId === row.chain_id;
  if (!sameChain && seq !== 1) {
    return broken(`its chain starts at sequence ${seq}: the rows before it are missing`);
  }
  if (sameChain && seq <= previous.seq) {
    return broken(`its sequence number does not follow ${previous.seq}: it repeats an earlier one`);
  }
  if (sameChain && seq !== previous.seq + 1) {
    return broken(`rows are missing before it: its sequence number ${seq} follows ${previous.seq}`);
  }
  const expectedPrev = sameChain ? previous.hash : GENESIS_HASH;
  if (row.prev_hash !== expectedPrev) {
    return broken(
      sameChain
        ? `it does not link to row ${previous.id} before it: one of the two was altered`
        : 'it starts its chain without the genesis link',
    );
  }
  const hash = auditRowHash({ chainId: row.chain_id, seq, prevHash: expectedPrev }, content);
  if (row.row_hash !== hash) return broken('its content does not match its hash: it was altered');
  return { chainId: row.chain_id, seq, hash, id };
}

function canonical(value: string | null, type: (typeof CONTENT_COLUMNS)[number][1]): string | null {
  return value !== null && type === 'jsonb' ? JSON.stringify(JSON.parse(value)) : value;
}
