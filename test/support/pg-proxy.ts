import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that a test can break: `cut` is a database that went away
 * (every connection reset, new ones refused), `freeze` one that hangs (no byte forwarded either way,
 * new connections accepted but never answered), `restore` brings it back (frozen bytes flow on).
 * `holdAnswers` shows what a client sends without waiting for an answer.
 */
export interface PgProxy {
  /** `databaseUrl` with its host and port replaced by the proxy's. */
  readonly url: string;
  cut(): void;
  freeze(): void;
  restore(): void;
  /** Forwards what clients send, and holds what the server answers until `release` is called. */
  holdAnswers(): HeldAnswers;
  close(): Promise<void>;
}

/** What passed through the proxy since {@link PgProxy.holdAnswers}, as latin1 text. */
export interface HeldAnswers {
  /** What clients sent to the server. */
  sent(): string;
  /** What the server answered, held back from the clients. */
  answered(): string;
  /** Delivers the held answers, and what the server says from now on. */
  release(): void;
}

interface Link {
  client: Socket;
  server: Socket | undefined;
}

export async function startPgProxy(databaseUrl: string): Promise<PgProxy> {
  const target = new URL(databaseUrl);
  let state: 'open' | 'cut' | 'frozen' = 'open';
  const links = new Set<Link>();
  let holding: { sent: Buffer[]; answers: [Link, Buffer][] } | undefined;

  const drop = (link: Link): void => {
    links.delete(link);
    link.client.destroy();
    link.server?.destroy();
  };
  const plug = (link: Link): void => {
    const server = connect(Number(target.port || 5432), target.hostname);
    link.server = server;
    server.on('error', () => drop(link));
    server.on('close', () => drop(link));
    server.on('data', (chunk: Buffer) => {
      if (holding) holding.answers.push([link, chunk]);
      else link.client.write(chunk);
    });
    link.client.on('data', (chunk: Buffer) => {
      holding?.sent.push(chunk);
      server.write(chunk);
    });
    link.client.resume();
  };

  const proxy = createServer({ pauseOnConnect: true }, (client) => {
    const link: Link = { client, server: undefined };
    client.on('error', () => drop(link));
    client.on('close', () => drop(link));
    if (state === 'cut') {
      client.resetAndDestroy();
      return;
    }
    links.add(link);
    if (state === 'open') plug(link);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((proxy.address() as AddressInfo).port);

  return {
    url: url.toString(),
    cut() {
      state = 'cut';
      for (const link of [...links]) {
        link.client.resetAndDestroy();
        drop(link);
      }
    },
    freeze() {
      state = 'frozen';
      for (const { client, server } of links) {
        client.pause();
        server?.pause();
      }
    },
    restore() {
      state = 'open';
      for (const link of links) {
        if (link.server === undefined) {
          plug(link);
        } else {
          link.client.resume();
          link.server.resume();
        }
      }
    },
    holdAnswers() {
      const held = { sent: [] as Buffer[], answers: [] as [Link, Buffer][] };
      holding = held;
      return {
        sent: () => Buffer.concat(held.sent).toString('latin1'),
        answered: () => Buffer.concat(held.answers.map(([, chunk]) => chunk)).toString('latin1'),
        release() {
          if (holding === held) holding = undefined;
          for (const [link, chunk] of held.answers) link.client.write(chunk);
        },
      };
    },
    close() {
      for (const link of [...links]) drop(link);
      return new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
