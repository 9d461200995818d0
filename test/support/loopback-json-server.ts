import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Route<N extends string> {
  name: N;
  body: () => unknown;
}

/**
 * A JSON server on 127.0.0.1 for fake platforms: it answers GETs on registered paths, counts the
 * requests per endpoint name, and answers 503 to everything while `available` is false.
 */
export class LoopbackJsonServer<N extends string> {
  /** Requests served so far, per endpoint. */
  readonly requests: Record<N, number>;
  /** While false, every request is answered 503, as an endpoint that is down. */
  available = true;
  private readonly routes = new Map<string, Route<N>>();

  private constructor(
    private readonly server: Server,
    names: readonly N[],
  ) {
    this.requests = Object.fromEntries(names.map((name) => [name, 0])) as Record<N, number>;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handle(req, res));
  }

  /** Listens on an ephemeral loopback port; `names` are the endpoints to count. */
  static async start<N extends string>(names: readonly N[]): Promise<LoopbackJsonServer<N>> {
    const server = createServer();
    const fake = new LoopbackJsonServer(server, names);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Serves `body()` at `path`, counted under `name`. */
  route(path: string, name: N, body: () => unknown): void {
    this.routes.set(path, { name, body });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.closeAllConnections();
      this.server.close((error) => (error ? reject(error) : resolve()));
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const route = this.routes.get(new URL(req.url ?? '/', this.origin).pathname);
    if (route !== undefined) this.requests[route.name] += 1;
    const [status, body] =
      route === undefined || req.method !== 'GET'
        ? [404, { message: 'Not Found' }]
        : this.available
          ? [200, route.body()]
          : [503, { message: 'Service Unavailable' }];
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  }
}

/** Applies claim overrides: a claim set to `undefined` is removed. */
export function applyClaimOverrides(
  claims: Record<string, unknown>,
  overrides: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const result = { ...claims };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result;
}
