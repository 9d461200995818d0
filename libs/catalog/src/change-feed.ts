import type { EntityManager } from 'typeorm';

/** A stored row's identity and version. */
export interface Listed {
  id: string;
  version: number;
}

export interface ListedPolicy extends Listed {
  platformId: string;
}

/**
 * Where the catalog stood in a load's snapshot. `horizon` is the oldest transaction still running
 * then: every row a later load has not seen was written by it or a younger one.
 */
export interface CatalogPosition {
  version: number;
  horizon: string;
  platforms: number;
  policies: number;
}

/** The rows written by a transaction no older than a previous load's horizon, maybe seen already. */
export interface WrittenRows {
  platforms: Listed[];
  policies: ListedPolicy[];
}

/** Call first in a load's REPEATABLE READ transaction: the position of the snapshot it reads. */
export async function readPosition(manager: EntityManager): Promise<CatalogPosition> {
  const [row] = await manager.query<
    { version: string; horizon: string; platforms: number; policies: number }[]
  >(
    `SELECT version, pg_snapshot_xmin(pg_current_snapshot())::text AS horizon,
            (SELECT count(*) FROM platforms)::int AS platforms,
            (SELECT count(*) FROM policies)::int AS policies
     FROM catalog_state WHERE id = 1`,
  );
  if (row === undefined) throw new Error('catalog_state has no row');
  return { ...row, version: Number(row.version) };
}

/**
 * The rows written since `horizon` (see {@link CatalogPosition}): what changed since the load that
 * read it, and maybe some rows it had seen. Deletions leave no row: the counts tell of them.
 */
export async function readWrittenSince(manager: EntityManager, horizon: string): Promise<WrittenRows> {
  const platforms = await manager.query<Listed[]>(
    `SELECT id, version FROM platforms WHERE written_by >= $1::xid8`,
    [horizon],
  );
  const policies = await manager.query<ListedPolicy[]>(
    `SELECT id, platform_id AS "platformId", version FROM policies WHERE written_by >= $1::xid8`,
    [horizon],
  );
  return { platforms, policies };
}
