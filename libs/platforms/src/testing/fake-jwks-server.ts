import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

/** How the fake endpoint answers. */
export type FakeJwksMode = 'ok' | 'down' | 'hang' | 'huge' | 'wrong-issuer';

/** A loopback OIDC discovery + JWKS endpoint for specs. */
export interface FakeJwksServer {
  /** The issuer (the server's base URL). */
  issuer: string;
  jwksUri: string;
  keys: JWK[];
  mode: FakeJwksMode;
  requests: { discovery: number; jwks: number };
  /** Holds JWKS answers until `release` is called; `arrived` resolves when one is held. */
  hold(): { arrived: Promise<void>; release: () => void };
  close(): Promise<void>;
}

/** Starts a fake endpoint on 127.0.0.1 (https when `tls` is given). */
export async function startFakeJwksServer(
  keys: JWK[],
  tls?: { key: string; cert: string },
): Promise<FakeJwksServer> {
  let gate: Promise<void> = Promise.resolve();
  let onArrival = (): void => undefined;
  const state: FakeJwksServer = {
    issuer: '',
    jwksUri: '',
    keys,
    mode: 'ok',
    requests: { discovery: 0, jwks: 0 },
    hold() {
      let release = (): void => undefined;
      gate = new Promise((resolve) => (release = resolve));
      const arrived = new Promise<void>((resolve) => (onArrival = resolve));
      return { arrived, release: () => release() };
    },
    close: () => Promise.resolve(),
  };
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const isDiscovery = req.url === '/.well-known/openid-configuration';
    const isJwks = req.url === '/openid/v1/jwks';
    if (isDiscovery) state.requests.discovery += 1;
    if (isJwks) state.requests.jwks += 1;
    if (state.mode === 'hang') return;
    if (state.mode === 'down') return send(res, 503, { error: 'unavailable' });
    if (isDiscovery) {
      const issuer = state.mode === 'wrong-issuer' ? 'https://elsewhere.example' : state.issuer;
      return send(res, 200, { issuer, jwks_uri: state.jwksUri });
    }
    if (isJwks) {
      onArrival();
      await gate;
      return send(
        res,
        200,
        state.mode === 'huge' ? { keys: state.keys, padding: 'x'.repeat(1 << 20) } : { keys: state.keys },
      );
    }
    send(res, 404, { error: 'not_found' });
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => void handle(req, res);
  const server: Server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  state.jwksUri = `${state.issuer}/openid/v1/jwks`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
