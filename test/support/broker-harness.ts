import pino from 'pino';
import { loadConfig } from '@fedbroker/config';
import type { BrokerRuntime } from '../../apps/broker/src/runtime/broker-runtime';
import { serveBroker } from '../../apps/broker/src/serve-broker';
import type { BrokerLogger } from '../../apps/broker/src/telemetry/broker-logger';
import { createTestDatabase, type TestDatabase } from './test-database';

export const ADMIN_TOKEN = 'test-admin-credential-0123456789';

/** A clock tests move by hand; no test sleeps. */
export class TestClock {
  constructor(private current: Date = new Date()) {}

  now = (): Date => new Date(this.current);

  set(date: Date): void {
    this.current = new Date(date);
  }

  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

export interface Broker {
  readonly url: string;
  /** The admin listener's URL when `FEDBROKER_ADMIN_PORT` is set; `admin()` goes there. */
  readonly adminUrl: string | undefined;
  readonly clock: TestClock;
  readonly runtime: BrokerRuntime;
  readonly database: TestDatabase;
  /** `fetch` against the broker with the admin credential and a JSON body. */
  admin(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** `POST /token` with a form body built from `params` (arrays repeat the parameter). */
  token(params: Record<string, string | string[]>): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Boots the real broker with real migrations, listening on loopback: on a fresh database, or as
 * another replica on `shared` (which the first replica drops). It logs nothing unless given a
 * `logger`.
 */
export async function startBroker(
  env: Record<string, string> = {},
  clock = new TestClock(),
  shared?: TestDatabase,
  logger: BrokerLogger = silentLogger(),
): Promise<Broker> {
  const database = shared ?? (await createTestDatabase());
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    FEDBROKER_ADMIN_TOKEN: ADMIN_TOKEN,
    FEDBROKER_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    FEDBROKER_ISSUER: 'https://broker.test',
    ...env,
  });
  const { app, runtime, url, adminUrl } = await serveBroker(config, {
    logger,
    appLogger: false,
    now: clock.now,
    database: { url: database.url, singleSession: database.singleSession },
  });
  return {
    url,
    adminUrl,
    clock,
    runtime,
    database,
    admin: (method, path, body, headers = {}) =>
      fetch(`${adminUrl ?? url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    token: (params) => fetch(`${url}/token`, { method: 'POST', body: formOf(params) }),
    async close() {
      await app.close();
      if (!shared) await database.drop();
    },
  };
}

export function formOf(params: Record<string, string | string[]>): URLSearchParams {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of [value].flat()) form.append(name, v);
  }
  return form;
}

export function silentLogger(): BrokerLogger {
  return pino({ level: 'silent' });
}

/**
 * Registers `cluster` as the Kubernetes platform `cluster` (default audiences, keys by discovery)
 * with one policy on it, and fails the suite's setup if the broker refuses either.
 */
export async function trustCluster(
  broker: Pick<Broker, 'admin'>,
  cluster: { issuer: string },
  policy: Record<string, unknown> & { name: string },
): Promise<void> {
  const writes: [string, Record<string, unknown>][] = [
    ['/admin/v1/platforms', { name: 'cluster', kind: 'kubernetes', issuer: cluster.issuer }],
    ['/admin/v1/policies', { platform: 'cluster', ...policy }],
  ];
  for (const [path, body] of writes) {
    const response = await broker.admin('POST', path, body);
    if (response.status !== 201)
      throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`);
  }
}
