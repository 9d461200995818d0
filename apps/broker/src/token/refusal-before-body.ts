import type { FastifyRequest } from 'fastify';
import { ExchangeError, MAX_BODY_BYTES } from '@fedbroker/exchange';

/** What the token endpoint refuses before reading the body: another method, a body over the cap. */
export function refusalBeforeBody(request: FastifyRequest): ExchangeError | undefined {
  if (request.method !== 'POST') {
    return new ExchangeError('method_not_allowed', 'the token endpoint accepts POST only', {
      reason: `method ${request.method}`,
    });
  }
  if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    return new ExchangeError('body_too_large', 'the request body is too large');
  }
  return undefined;
}
