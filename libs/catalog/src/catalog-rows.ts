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

/** The name of the platform of id `id`; empty when there is none. */
export async function platformNameOf(manager: EntityManager, id: string): Promise<string> {
  const [row] = await manager.query<{ name: string }[]>(`SELECT name FROM platforms WHERE id = $1`, [id]);
  return row?.name ?? '';
}

/** The policy named `name`, locked for the rest of the transaction, or undefined. */
export async function lockPolicyNamed(
  manager: EntityManager,
  name: string,
): Promise<PolicyEntity | undefined> {
  const [row] = await manager.query<PolicyEntity[]>(
    `SELECT ${entityColumns(manager, PolicyEntity)} FROM policies WHERE name = $1 FOR UPDATE`,
    [name],
  );
  return row;
}

/** Deletes the policy of id `id`. */
export async function deletePolicy(manager: EntityManager, id: string): Promise<void> {
  await manager.query(`DELETE FROM policies WHERE id = $1`, [id]);
}
