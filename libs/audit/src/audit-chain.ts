import { randomUUID } from 'node:crypto';
import { auditRowHash, canonicalContent, GENESIS_HASH } from './audit-row-hash';
import type { AuditRow, ChainColumns } from './insert-audit-events';

/** The chain columns of one batch, and where the chain stands once the batch is committed. */
export interface ChainLinks {
  columns: ChainColumns[];
  last: { seq: number; hash: string };
}

/**
 * One hash chain of audit rows, owned by one writer slot that has at most one batch in flight,
 * so the rows committed on a chain are always an unbroken prefix of it. {@link link} computes the
 * next rows' hashes in memory; {@link commit} advances the chain once they are durable;
 * {@link restart} abandons it (for a new id) when a batch may or may not have committed.
 */
export class AuditChain {
  private id = randomUUID();
  private seq = 0;
  private head = GENESIS_HASH;

  link(rows: readonly AuditRow[]): ChainLinks {
    let seq = this.seq;
    let prevHash = this.head;
    const columns = rows.map((row): ChainColumns => {
      seq += 1;
      const hash = auditRowHash({ chainId: this.id, seq, prevHash }, canonicalContent(row));
      const link: ChainColumns = [this.id, String(seq), `\\x${hash}`];
      prevHash = hash;
      return link;
    });
    return { columns, last: { seq, hash: prevHash } };
  }

  commit(links: ChainLinks): void {
    this.seq = links.last.seq;
    this.head = links.last.hash;
  }

  restart(): void {
    this.id = randomUUID();
    this.seq = 0;
    this.head = GENESIS_HASH;
  }
}
