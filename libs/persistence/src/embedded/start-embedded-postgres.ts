import { mkdir } from 'node:fs/promises';

export interface EmbeddedPostgres {
  /** A `postgres://` URL the ordinary `pg` driver connects to, on loopback. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL compiled to WebAssembly (PGlite) on `dataDir` (or in memory when omitted) and
 * serves the PostgreSQL wire protocol on a loopback port, so one driver and one dialect serve both
 * modes. PGlite runs one session at a time: connect with a pool of one. PGlite is loaded here, not
 * at start-up, so that a broker on an external PostgreSQL does not hold its code in memory.
 */
export async function startEmbeddedPostgres(dataDir?: string): Promise<EmbeddedPostgres> {
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
