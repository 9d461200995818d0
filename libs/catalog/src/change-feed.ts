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

/** Where a load's snapshot stands, and the rows written since a previous load's horizon. */
export interface CatalogChanges {
  position: CatalogPosition;
  /** Absent when no horizon was given. */
  written?: WrittenRows;
}

/**
 * Call first in a load's REPEATABLE READ transaction: the position of the snapshot it reads and,
 * given the `horizon` of a previous load (see {@link CatalogPosition}), the rows written since: what
 * changed since that load, and maybe some rows it had seen. Deletions leave no row: the counts tell
 * of them. One statement, so that a load costs one round trip fewer per part.
 */
export async function readChanges(
  manager: EntityManager,
  horizon: string | undefined,
): Promise<CatalogChanges> {
  const [row] = await manager.query<
    {
      version: string;
      horizon: string;
      platforms: number;
      policies: number;
      writtenPlatforms: Listed[] | null;
      writtenPolicies: ListedPolicy[] | null;
    }[]
  >(
    `SELECT version, pg_snapshot_xmin(pg_current_snapshot())::text AS horizon,
            (SELECT count(*) FROM platforms)::int AS platforms,
            (SELECT count(*) FROM policies)::int AS policies,
            CASE WHEN $1::xid8 IS NOT NULL THEN
              (SELECT coalesce(json_agg(json_build_object('id', id, 'version', version)), '[]')
               FROM platforms WHERE written_by >= $1::xid8)
            END AS "writtenPlatforms",
            CASE WHEN $1::xid8 IS NOT NULL THEN
              (SELECT coalesce(json_agg(json_build_object('id', id, 'platformId', platform_id, 'version', version)), '[]')
               FROM policies WHERE written_by >= $1::xid8)
            END AS "writtenPolicies"
     FROM catalog_state WHERE id = 1`,
    [horizon ?? null],
  );
  if (row === undefined) throw new Error('catalog_state has no row');
  const { writtenPlatforms, writtenPolicies, ...position } = row;
  return {
    position: { ...position, version: Number(position.version) },
    written:
      horizon === undefined
        ? undefined
        : { platforms: writtenPlatforms ?? [], policies: writtenPolicies ?? [] },
  };
}
