import { hash } from 'node:crypto';
import { CONTENT_COLUMNS, ORIGINAL_COLUMN_COUNT, type AuditRow } from './insert-audit-events';

/** `prev_hash` of the first row of every chain (hex, like every hash here). */
export const GENESIS_HASH = '0'.repeat(64);

const ENCODING_VERSION = 'fedbroker.audit.v1';

/** A row's place in its chain, as the hash covers it. */
export interface ChainPosition {
  chainId: string;
  seq: number;
  /** Hex. */
  prevHash: string;
}

/**
 * SHA-256 (hex) over the canonical encoding of one audit row: a JSON array of the encoding version, the
 * chain position and the row's content in {@link CONTENT_COLUMNS} order, each value a string or
 * null (times as integer microseconds since the epoch, `jsonb` as `JSON.stringify` of its value),
 * so the writer, from what it sends, and the verifier, from what PostgreSQL returns, agree.
 *
 * Columns added since chaining began are encoded only up to the last one that is set: a row written
 * before they existed (all null) hashes as it did, and dropping trailing nulls from a fixed list of
 * columns still tells every two rows apart.
 */
export function auditRowHash(position: ChainPosition, content: readonly (string | null)[]): string {
  const encoded = JSON.stringify([
    ENCODING_VERSION,
    position.chainId,
    String(position.seq),
    position.prevHash,
    ...withoutTrailingAddedNulls(content),
  ]);
  return hash('sha256', encoded, 'hex');
}

function withoutTrailingAddedNulls(content: readonly (string | null)[]): readonly (string | null)[] {
  let end = content.length;
  while (end > ORIGINAL_COLUMN_COUNT && content[end - 1] === null) end -= 1;
  return end === content.length ? content : content.slice(0, end);
}

/** The canonical content of a row as the writer holds it (times as ISO 8601 strings). */
export function canonicalContent(row: AuditRow): (string | null)[] {
  return CONTENT_COLUMNS.map(([, type], column) => {
    const value = row[column] ?? null;
    return value !== null && type === 'timestamptz' ? microseconds(value) : value;
  });
}

function microseconds(iso: string): string {
  return (BigInt(Date.parse(iso)) * 1000n).toString();
}
