import type { EntityManager } from 'typeorm';
import { entityColumns, PlatformEntity, PolicyEntity } from '@fedbroker/persistence';

// The reads of one policy's write, in plain SQL: through TypeORM's query builder, the first write
// after a replica started spent tens of milliseconds of CPU compiling the builder's code.

/** The platform named `name`, or undefined. */
export async function platformNamed(
  manager: EntityManager,
  name: string,
): Promise<PlatformEntity | undefined> {
  const [row] = await manager.query<PlatformEntity[]>(
    `SELECT ${entityColumns(manager, PlatformEntity)} FROM platforms WHERE name = $1`,
    [name],
  );
  return row;
}

/**
 * The policy named `name`, locked for the rest of the transaction, with its platform's name (empty
 * when there is none), or undefined.
 */
export async function lockPolicyNamed(
  manager: EntityManager,
  name: string,
): Promise<{ row: PolicyEntity; platformName: string } | undefined> {
  const [found] = await manager.query<(PolicyEntity & { platformName: string | null })[]>(
    `SELECT ${entityColumns(manager, PolicyEntity)},
            (SELECT name FROM platforms WHERE platforms.id = policies.platform_id) AS "platformName"
     FROM policies WHERE name = $1 FOR UPDATE`,
    [name],
  );
  if (found === undefined) return undefined;
  const { platformName, ...row } = found;
  return { row, platformName: platformName ?? '' };
}

/** Deletes the policy of id `id`. */
export async function deletePolicy(manager: EntityManager, id: string): Promise<void> {
  await manager.query(`DELETE FROM policies WHERE id = $1`, [id]);
}
