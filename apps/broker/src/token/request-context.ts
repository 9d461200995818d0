import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '@fedbroker/exchange';
import { settleTokenRequest } from '../telemetry/token-outcomes';
import { authorizationSchemeOf } from './authorization-scheme';

/** Who is asking, for the audit event of a `/token` request; how it ended goes to its access line. */
export function requestContextOf(request: FastifyRequest): RequestContext {
  return {
    requestId: request.id,
    clientIp: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    authorizationScheme: authorizationSchemeOf(request),
    onSettled: (outcome) => settleTokenRequest(request, outcome),
  };
}
