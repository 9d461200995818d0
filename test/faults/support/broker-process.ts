import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ADMIN_TOKEN } from '../../support/broker-harness';

const ROOT = join(__dirname, '../../..');
const ENTRY = join(ROOT, 'test/support/run-typescript.mjs');
const OUTPUT_TAIL_CHARS = 16 * 1024;

/** How a process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The real broker (`apps/broker/src/main.ts`) running in a process of its own. */
export interface BrokerProcess {
  readonly url: string;
  readonly pid: number;
  running(): boolean;
  /** Settles when the process has ended. */
  readonly exited: Promise<ProcessExit>;
  /** The last few KiB of its stdout and stderr. */
  output(): string;
  /** `fetch` with the admin credential and a JSON body. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  /** SIGKILL, for clean-up after a failed test; resolves once it has ended. */
  kill(): Promise<void>;
}

/** Starts the broker on `databaseUrl`, resolving once it listens (on a port of its choosing). */
export async function startBrokerProcess(databaseUrl: string, timeoutMs = 60_000): Promise<BrokerProcess> {
  const child = spawn(process.execPath, [ENTRY, 'apps/broker/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      FEDBROKER_ADMIN_TOKEN: ADMIN_TOKEN,
      FEDBROKER_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      FEDBROKER_ISSUER: 'https://broker.test',
      FEDBROKER_ALLOW_HTTP_ISSUERS: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const running = (): boolean => child.exitCode === null && child.signalCode === null;

  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the broker did not listen in time:\n${output}`)),
      timeoutMs,
    );
    const watch = (): void => {
      const listening = /listening on [^\s:]+:(\d+)/.exec(output);
      if (listening?.[1] === undefined) return;
      clearTimeout(timer);
      child.stdout.off('data', watch);
      resolve(listening[1]);
    };
    child.stdout.on('data', watch);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the broker exited during start-up:\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    pid: child.pid ?? 0,
    running,
    exited,
    output: () => output,
    admin: (method, path, body) =>
      fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    async kill() {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
  };
}
