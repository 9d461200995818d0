import type { FastifyInstance } from 'fastify';
import type { BrokerLogger } from './broker-logger';
import { UNMATCHED_ROUTE, type BrokerMetrics } from './broker-metrics';
import { tokenOutcomeOf } from './token-outcomes';

/**
 * One access line and one duration sample per request, once its response is sent. The line names
 * the route pattern, never the URL: a query string can carry anything a client put there, a token
 * included (`GET /token?subject_token=…`, refused but still logged).
 */
export function installAccessLog(
  fastify: FastifyInstance,
  logger: BrokerLogger,
  metrics: BrokerMetrics,
): void {
  // Redaction walks every line for credential paths, which this line, built field by field from
  // names and numbers, never has: skipping it makes the line several times cheaper.
  const accessLog = logger.child({}, { redact: [] });
  fastify.addHook('onResponse', (request, reply, done) => {
    const seconds = reply.elapsedTime / 1000;
    const token = tokenOutcomeOf(request);
    // A /token request refused before routing (another method) matched no route, yet was one.
    const route = request.routeOptions.url ?? (token === undefined ? undefined : '/token');
    metrics.httpRequest(route ?? UNMATCHED_ROUTE, request.method, reply.statusCode, seconds);
    if (token !== undefined) metrics.token(token, seconds);
    accessLog.info(
      {
        requestId: request.id,
        method: request.method,
        route: route ?? null,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        clientIp: request.ip,
        ...(token === undefined
          ? {}
          : {
              grant: token.grant ?? null,
              platform: token.platform ?? null,
              outcome: token.outcome,
              error: token.error ?? null,
            }),
      },
      'request',
    );
    done();
  });
}
