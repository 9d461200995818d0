import type { EntityManager } from 'typeorm';
import type { PolicyEntity } from '@fedbroker/persistence';
import type { PolicyBody } from './catalog-schemas';

/** The columns a policy write sets. */
export type PolicyColumns = Pick<
  PolicyEntity,
  | 'name'
  | 'platformId'
  | 'condition'
  | 'actorCondition'
  | 'subject'
  | 'claims'
  | 'audiences'
  | 'scopes'
  | 'ttlSeconds'
  | 'priority'
  | 'enabled'
  | 'mode'
  | 'expiresAt'
  | 'tests'
  | 'oneTimeUse'
>;

/** The columns a policy body stores, on the platform of id `platformId`. */
export function toPolicyColumns(body: PolicyBody, platformId: string): PolicyColumns {
  return {
    name: body.name,
    platformId,
    condition: body.condition,
    actorCondition: body.actorCondition ?? null,
    subject: body.subject ?? null,
    claims: body.claims,
    audiences: body.audiences,
    scopes: body.scopes,
    ttlSeconds: body.ttlSeconds,
    priority: body.priority,
    enabled: body.enabled,
    oneTimeUse: body.oneTimeUse ?? null,
    mode: body.mode,
    expiresAt: body.expiresAt === undefined ? null : new Date(body.expiresAt),
    tests: body.tests,
  };
}

/** The columns of a stored policy that a write sets. */
export function storedPolicyColumns(row: PolicyEntity): PolicyColumns {
  return Object.fromEntries(COLUMNS.map(([key]) => [key, row[key]])) as unknown as PolicyColumns;
}

/** What the database set on a written row. */
export interface WrittenRow {
  id: string;
  name: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS: readonly (readonly [keyof PolicyColumns, string, string])[] = [
  ['name', 'name', 'text'],
  ['platformId', 'platform_id', 'uuid'],
  ['condition', 'condition', 'text'],
  ['actorCondition', 'actor_condition', 'text'],
  ['subject', 'subject', 'text'],
  ['claims', 'claims', 'jsonb'],
  ['audiences', 'audiences', 'jsonb'],
  ['scopes', 'scopes', 'jsonb'],
  ['ttlSeconds', 'ttl_seconds', 'int4'],
  ['priority', 'priority', 'int4'],
  ['enabled', 'enabled', 'bool'],
  ['mode', 'mode', 'text'],
  ['expiresAt', 'expires_at', 'timestamptz'],
  ['tests', 'tests', 'jsonb'],
  ['oneTimeUse', 'one_time_use', 'bool'],
];

/** Rows a statement takes: each column is one array parameter, so this bounds memory, not parameters. */
const ROWS_PER_STATEMENT = 2000;

const INSERT_RETURNING = 'RETURNING id, name, version, created_at AS "createdAt", updated_at AS "updatedAt"';
const UPDATE_RETURNING =
  'RETURNING p.id, p.name, p.version, p.created_at AS "createdAt", p.updated_at AS "updatedAt"';

/**
 * Inserts policies with one statement per {@link ROWS_PER_STATEMENT} rows: each column is bound as
 * one array and the rows rebuilt with `unnest`, whatever their number.
 */
export async function insertPolicies(
  manager: EntityManager,
  rows: readonly PolicyColumns[],
): Promise<WrittenRow[]> {
  const names = COLUMNS.map(([, column]) => column).join(', ');
  const arrays = COLUMNS.map(([, , type], i) => `$${i + 1}::${type}[]`).join(', ');
  const sql = `INSERT INTO policies (${names}, version) SELECT *, 1 FROM unnest(${arrays}) ${INSERT_RETURNING}`;
  return inChunks(rows, (chunk) => manager.query<WrittenRow[]>(sql, parameters(chunk)));
}

/** Updates policies by id, one statement per chunk, bumping each version once. */
export async function updatePolicies(
  manager: EntityManager,
  rows: readonly (PolicyColumns & { id: string })[],
): Promise<WrittenRow[]> {
  const assignments = COLUMNS.map(([, column]) => `${column} = v.${column}`).join(', ');
  const arrays = COLUMNS.map(([, , type], i) => `$${i + 2}::${type}[]`).join(', ');
  const sql =
    `UPDATE policies AS p SET ${assignments}, version = p.version + 1, updated_at = now() ` +
    `FROM unnest($1::uuid[], ${arrays}) AS v(id, ${COLUMNS.map(([, column]) => column).join(', ')}) ` +
    `WHERE p.id = v.id ${UPDATE_RETURNING}`;
  return inChunks(rows, async (chunk) => {
    // TypeORM answers an UPDATE on PostgreSQL with [rows, affected count].
    const [written] = await manager.query<[WrittenRow[], number]>(sql, [
      chunk.map((row) => row.id),
      ...parameters(chunk),
    ]);
    return written;
  });
}

function parameters(rows: readonly PolicyColumns[]): unknown[][] {
  return COLUMNS.map(([key, , type]) =>
    rows.map((row) => {
      const value = row[key];
      if (value === null) return null;
      if (type === 'jsonb') return JSON.stringify(value);
      return value instanceof Date ? value.toISOString() : value;
    }),
  );
}

async function inChunks<T, R>(rows: readonly T[], run: (chunk: readonly T[]) => Promise<R[]>): Promise<R[]> {
  const written: R[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    written.push(...(await run(rows.slice(start, start + ROWS_PER_STATEMENT))));
  }
  return written;
}
