import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, startEmbeddedPostgres } from '@fedbroker/persistence';

export interface TestDatabase {
  readonly url: string;
  /** Embedded PostgreSQL serves one session at a time: connect with a pool of one and no LISTEN. */
  readonly singleSession: boolean;
  drop(): Promise<void>;
}

/**
 * Whether the suites run on the PostgreSQL server of `TEST_DATABASE_URL` (set and not empty), where
 * many sessions, LISTEN and a second replica work; else they run on embedded PostgreSQL.
 */
export const sharedTestServer = Boolean(process.env.TEST_DATABASE_URL);

/**
 * A fresh, empty database for one suite: a new database on `TEST_DATABASE_URL`'s server when it is
 * set, else an in-memory embedded PostgreSQL.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!sharedTestServer || serverUrl === undefined) {
    const embedded = await startEmbeddedPostgres();
    return { url: embedded.url, singleSession: true, drop: () => embedded.stop() };
  }
  const name = `fedbroker_test_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, async (c) => {
    await c.query(`CREATE DATABASE ${name}`);
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    singleSession: false,
    drop: () =>
      withClient(serverUrl, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database with the real migrations applied, for the suite it is called in (at the top of a
 * `describe`): the data source is opened before the suite's tests and dropped after them.
 */
export function useMigratedDatabase(): { readonly dataSource: DataSource; readonly database: TestDatabase } {
  let database: TestDatabase | undefined;
  let dataSource: DataSource | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase({ url: database.url, poolSize: 1 });
  });
  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database?.drop();
  });
  return {
    get dataSource() {
      if (!dataSource) throw new Error('the database is opened in beforeAll');
      return dataSource;
    },
    get database() {
      if (!database) throw new Error('the database is opened in beforeAll');
      return database;
    },
  };
}
