import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '@fedbroker/exchange';

/** Who is asking, for the audit event of a `/token` request. */
export function requestContextOf(request: FastifyRequest): RequestContext {
  return {
    requestId: request.id,
    clientIp: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  };
}
