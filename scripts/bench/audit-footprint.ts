// What the audit trail costs PostgreSQL: WAL written (server-wide) and the audit table's rows and bytes.
import { withClient } from '../bench-support';

/** The server's current WAL position, for {@link walBytesSince}. */
export async function walPosition(serverUrl: string): Promise<string> {
  return withClient(serverUrl, async (client) => {
    const result = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    return result.rows[0]?.lsn ?? '0/0';
  });
}

/** WAL bytes the whole server wrote since `position`: other databases' writes count too. */
export async function walBytesSince(serverUrl: string, position: string): Promise<number> {
  return withClient(serverUrl, async (client) => {
    const result = await client.query<{ bytes: string }>(
      'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS bytes',
      [position],
    );
    return Number(result.rows[0]?.bytes);
  });
}

export interface AuditFootprint {
  /** Events, as `audit_events` lists them. */
  rows: number;
  /** Heap, TOAST and indexes of every `audit_*` table (the events' partitions, their dictionary, chains). */
  bytes: number;
}

/** The audit events and the on-disk bytes of the tables behind them in the database at `databaseUrl`. */
export async function auditFootprint(databaseUrl: string): Promise<AuditFootprint> {
  return withClient(databaseUrl, async (client) => {
    const result = await client.query<{ rows: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM audit_events)::text AS rows,
              (SELECT coalesce(sum(pg_total_relation_size(oid)), 0)
                 FROM pg_class
                WHERE relkind = 'r' AND relnamespace = current_schema()::regnamespace
                  AND relname LIKE 'audit\\_%')::text AS bytes`,
    );
    return { rows: Number(result.rows[0]?.rows), bytes: Number(result.rows[0]?.bytes) };
  });
}
