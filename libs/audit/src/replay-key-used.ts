import type { DataSource } from 'typeorm';

/**
 * Whether a credential with `key` was already accepted under one-time use and its key still guards
 * it at `now`; reads only, so asking takes nothing (explain).
 */
export async function replayKeyUsed(dataSource: DataSource, key: string, now: Date): Promise<boolean> {
  const rows: unknown[] = await dataSource.query(
    'SELECT 1 FROM replay_guard WHERE replay_key = $1 AND expires_at >= $2',
    [key, now.toISOString()],
  );
  return rows.length > 0;
}
