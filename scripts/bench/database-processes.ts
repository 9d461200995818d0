// The PostgreSQL processes an audited answer costs CPU in, beside the broker's own: the backends
// connected to the broker's database and the server's own processes (WAL writer, checkpointer, …).
import { readFileSync } from 'node:fs';
import { withClient } from '../bench-support';

/**
 * The process ids of those processes, or none when the server does not run on this machine: a
 * server elsewhere (another host, a container) numbers its processes in a space of its own.
 */
export async function localDatabaseProcesses(databaseUrl: string): Promise<number[]> {
  const pids = await withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE pid <> pg_backend_pid() AND (datname = current_database() OR datname IS NULL)`,
    );
    return rows.map((row) => row.pid);
  });
  return pids.length > 0 && pids.every(isLocalPostgres) ? pids : [];
}

function isLocalPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres');
  } catch {
    return false;
  }
}
