// A broker under test: the built broker in a child process on its own database (or a shared one, for
// a second replica), ready to take load and admin writes.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createFreshBenchDatabase,
  freePort,
  startChild,
  waitForHttp,
  type ChildServer,
} from '../bench-support';
import type { BenchEnvironment } from './scenario';

/** The `iss` of the tokens every bench broker issues. */
export const BENCH_BROKER_ISSUER = 'https://broker.bench.example';

const BROKER_MAIN = join(__dirname, '../../apps/broker/src/main.js');
const DOCKERFILE = join(__dirname, '../../../Dockerfile');

/**
 * The image's `NODE_OPTIONS` (its heap limit), so that a bench broker runs as the image runs it;
 * `nodeArgs` (`BENCH_BROKER_NODE_ARGS`) come after them on the command line and win.
 */
export function imageNodeOptions(dockerfile = readFileSync(DOCKERFILE, 'utf8')): string {
  const match = /^ENV NODE_OPTIONS=(.+)$/m.exec(dockerfile);
  if (match?.[1] === undefined) throw new Error('the Dockerfile sets no NODE_OPTIONS');
  return match[1].replace(/^"(.*)"$/, '$1');
}

/** Replicas on one database must share the key-encryption key; one per bench run does. */
const sharedKeyEncryptionKey = randomBytes(32).toString('base64');

export interface BenchBroker {
  readonly name: string;
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly tokenUrl: string;
  readonly databaseUrl: string;
  /** A full admin credential (`FEDBROKER_ADMIN_TOKEN`). */
  readonly adminToken: string;
  readonly server: ChildServer;
  /** One admin API call with the admin token (and `headers`, e.g. `If-Match`); the body, parsed when JSON. */
  admin(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown }>;
  /** The broker process's resident set size now. */
  rssBytes(): Promise<number>;
  stop(): Promise<void>;
}

export interface BenchBrokerOptions {
  /** Another replica's database; without it a fresh database is created (and dropped at clean-up). */
  databaseUrl?: string;
  /** For logs and error messages. Default `broker`. */
  name?: string;
  extraEnv?: Record<string, string>;
  nodeArgs?: string[];
}

/** Starts a broker, registers its clean-up, and resolves once `/readyz` answers 2xx. */
export async function startBenchBroker(
  env: BenchEnvironment,
  options: BenchBrokerOptions = {},
): Promise<BenchBroker> {
  const name = options.name ?? 'broker';
  let databaseUrl = options.databaseUrl;
  if (databaseUrl === undefined) {
    const database = await createFreshBenchDatabase(env.postgresUrl);
    env.cleanups.push(() => database.drop());
    databaseUrl = database.url;
  }
  const port = await freePort();
  const adminToken = randomBytes(24).toString('base64url');
  const server = startChild(
    name,
    BROKER_MAIN,
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      FEDBROKER_ADMIN_TOKEN: adminToken,
      FEDBROKER_KEY_ENCRYPTION_KEY: process.env.FEDBROKER_KEY_ENCRYPTION_KEY ?? sharedKeyEncryptionKey,
      FEDBROKER_ISSUER: BENCH_BROKER_ISSUER,
      FEDBROKER_ALLOW_HTTP_ISSUERS: 'true',
      // one load generator on loopback is one client: limits would measure the limiter, not the broker
      FEDBROKER_RATE_LIMIT_PER_CLIENT: '0',
      FEDBROKER_RATE_LIMIT_PER_PLATFORM: '0',
      NODE_OPTIONS: imageNodeOptions(),
      ...options.extraEnv,
    },
    options.nodeArgs ?? [],
  );
  env.cleanups.push(() => server.stop());
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(`${baseUrl}/readyz`, server);

  return {
    name,
    baseUrl,
    tokenUrl: `${baseUrl}/token`,
    databaseUrl,
    adminToken,
    server,
    async admin(method, path, body, headers = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed };
    },
    rssBytes: () => processRssBytes(server.pid),
    stop: () => server.stop(),
  };
}

/** `VmRSS` of a Linux process, in bytes. */
async function processRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match?.[1] === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}
