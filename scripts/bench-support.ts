// Plumbing for scripts/bench.ts: child processes, a throwaway database, and the load generator.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import autocannon from 'autocannon';
import { Client } from 'pg';

const OUTPUT_TAIL_CHARS = 8 * 1024;

/** A server under test running in its own process. */
export interface ChildServer {
  readonly name: string;
  /** The child's process id (for its RSS, or a profiler). */
  readonly pid: number;
  /** The last few KiB of its stdout and stderr, for error messages. */
  output(): string;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function startChild(
  name: string,
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): ChildServer {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  if (child.pid === undefined) throw new Error(`${name} could not be started`);
  const pid = child.pid;
  return {
    name,
    pid,
    output: () => output,
    running,
    async stop(graceMs = 10_000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 2xx; fails early with the child's output if it exits meanwhile. */
export async function waitForHttp(url: string, server: ChildServer, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && server.running()) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  const why = server.running() ? `not ready at ${url} after ${timeoutMs} ms` : 'exited during start-up';
  throw new Error(`${server.name} ${why}:\n${server.output()}`);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A database for one run; `drop` removes it if this run created it. */
export interface BenchDatabase {
  readonly url: string;
  readonly created: boolean;
  drop(): Promise<void>;
}

/** `DATABASE_URL` when set; else a fresh `fedbroker_bench_<random>` on `serverUrl`. */
export async function createBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const given = process.env.DATABASE_URL;
  if (given !== undefined && given !== '') {
    return { url: given, created: false, drop: () => Promise.resolve() };
  }
  return createFreshBenchDatabase(serverUrl);
}

/** A fresh `fedbroker_bench_<random>` on `serverUrl`, whatever `DATABASE_URL` says. */
export async function createFreshBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const name = `fedbroker_bench_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    created: true,
    drop: async () => {
      await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

export async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** What one timed run of `POST /token` load produced. */
export interface LoadResult {
  seconds: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Responses per status code, e.g. `{ "200": 41200 }`. */
  statusCodes: Record<string, number>;
  /** Latencies of the 2xx responses, ms, ascending. */
  okLatenciesMs: number[];
  /** Bodies of the 2xx responses. */
  okBodies: string[];
  /** Requests sent but never answered (in flight when the load generator hung up, or lost). */
  unanswered: number;
}

/** Where the next request's form body comes from; shared by runs so they keep cycling. */
export interface BodyCycle {
  readonly bodies: readonly string[];
  next: number;
}

/** Drives `POST url` with `connections` keep-alive connections for `seconds`, each request the next body. */
export function runLoad(
  url: string,
  cycle: BodyCycle,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const okLatenciesMs: number[] = [];
  const okBodies: string[] = [];
  let sent = 0;
  let answered = 0;
  const nextBody = (): string => {
    const body = cycle.bodies[cycle.next % cycle.bodies.length] ?? '';
    cycle.next += 1;
    sent += 1;
    return body;
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            setupRequest: (request) => ({ ...request, body: nextBody() }),
            onResponse: (status, body) => {
              if (status >= 200 && status < 300) okBodies.push(body);
            },
          },
        ],
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        okLatenciesMs.sort((a, b) => a - b);
        resolve({
          seconds: result.duration,
          ok: result['2xx'],
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes: Object.fromEntries(
            Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
          ),
          okLatenciesMs,
          okBodies,
          unanswered: sent - answered,
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseTimeMs: number) => {
      answered += 1;
      if (status >= 200 && status < 300) okLatenciesMs.push(responseTimeMs);
    });
  });
}

/** The value at quantile `q` (0..1) of an ascending list; NaN when empty. */
export function percentile(ascending: readonly number[], q: number): number {
  if (ascending.length === 0) return Number.NaN;
  return (
    ascending[Math.min(ascending.length - 1, Math.max(0, Math.ceil(q * ascending.length) - 1))] ?? Number.NaN
  );
}

/** The `jti` of the access token in a token endpoint's JSON response. */
export function accessTokenJti(responseBody: string): string | undefined {
  const { access_token: accessToken } = JSON.parse(responseBody) as { access_token?: unknown };
  if (typeof accessToken !== 'string') return undefined;
  const payload = accessToken.split('.')[1] ?? '';
  const { jti } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { jti?: unknown };
  return typeof jti === 'string' ? jti : undefined;
}
