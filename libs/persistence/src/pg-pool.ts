import { Pool, type PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { timeLimit } from './time-limit';

/** The `pg` pool under a TypeORM PostgreSQL data source, for the paths that skip TypeORM. */
export function pgPoolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/**
 * A pool of up to `size` connections like `pool`'s, in pg's pipeline mode: each query is sent at
 * once, without waiting for the answer to the one before it, so statements sent together cost one
 * round trip. Not for embedded PostgreSQL, whose connections share one session. End it when done.
 */
export function pipelinedPoolBeside(pool: Pool, size: number): Pool {
  const pipelined = new Pool({ ...pool.options, max: size, pipeline: true });
  // An idle connection that drops is reported here; it is discarded and replaced when next needed.
  pipelined.on('error', () => undefined);
  return pipelined;
}

/** A pooled connection checked out by {@link leaseClient}; give it back exactly once. */
export interface LeasedClient {
  readonly client: PoolClient;
  /** Back to the pool, for reuse: only after every statement sent on it has been answered. */
  release(): void;
  /**
   * Out of the pool and closed, a statement still running included: after a failure or a time limit
   * its session may hold an open transaction or a hung statement.
   */
  discard(): void;
}

/**
 * A connection of `pool` within `timeoutMs` (rejects with `TimeLimitError` otherwise; one that
 * connects later goes straight back to the pool).
 */
export async function leaseClient(pool: Pool, timeoutMs: number): Promise<LeasedClient> {
  const connecting = pool.connect();
  let client: PoolClient;
  try {
    client = await timeLimit(connecting, timeoutMs, 'connecting to PostgreSQL');
  } catch (error) {
    connecting.then((late) => late.release()).catch(() => undefined);
    throw error;
  }
  return {
    client,
    release: () => client.release(),
    discard: () => client.release(new Error('discarded after a failure or a time limit')),
  };
}
