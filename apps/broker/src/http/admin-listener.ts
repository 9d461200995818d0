import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { answerClientError } from './client-error-answer';
import { NotServedHereError } from './not-served-here.error';
import { isOperatorPath } from './operator-paths';

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * The separate listener of `FEDBROKER_ADMIN_PORT`: a second HTTP server handing its requests to the
 * same application, which then serves the operator endpoints on it alone.
 */
export class AdminListener {
  private readonly arrivedHere = new WeakSet<IncomingMessage>();
  private readonly server: Server;
  private handler: RequestHandler | undefined;
  private closed: Promise<void> | undefined;

  constructor() {
    this.server = createServer((request, response) => {
      this.arrivedHere.add(request);
      if (this.handler) this.handler(request, response);
      else response.writeHead(503).end();
    });
    this.server.on('clientError', answerClientError);
  }

  /**
   * Hands this listener's requests to `fastify`, whose every request is then refused (404) on the
   * listener not serving its path; this listener closes with `fastify`.
   */
  install(fastify: FastifyInstance): void {
    this.handler = (request, response) => fastify.routing(request, response);
    fastify.addHook('onRequest', this.gate);
    fastify.addHook('preClose', (done) => {
      this.stopAccepting();
      done();
    });
    fastify.addHook('onClose', () => this.close());
  }

  /** Whether the listener a request arrived on serves its path: operator paths here, the rest there. */
  serves(request: { raw: IncomingMessage; url: string }): boolean {
    return this.arrivedHere.has(request.raw) === isOperatorPath(request.url);
  }

  private readonly gate: onRequestHookHandler = (request, reply, done) => {
    if (this.serves(request)) {
      done();
      return;
    }
    void reply.header('X-Request-Id', request.id);
    done(new NotServedHereError());
  };

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  /** Stops accepting connections; idle ones are closed, busy ones finish their request. */
  stopAccepting(): void {
    this.closed ??= new Promise((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
  }

  /** Ends every connection left and resolves once the server is closed. */
  async close(): Promise<void> {
    this.stopAccepting();
    this.server.closeAllConnections();
    await this.closed;
  }
}
