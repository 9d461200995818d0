import type { FastifyRequest } from 'fastify';
import { ExchangeError, MAX_BODY_BYTES } from '@fedbroker/exchange';

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/**
 * What the token endpoint refuses before reading the body: any request while the broker shuts
 * down, another method, a body over the cap, a body that is not a form.
 */
export function refusalBeforeBody(request: FastifyRequest, stopping: boolean): ExchangeError | undefined {
  if (stopping) return new ExchangeError('unavailable', 'the service is shutting down');
  if (request.method !== 'POST') {
    return new ExchangeError('method_not_allowed', 'the token endpoint accepts POST only', {
      reason: `method ${request.method}`,
    });
  }
  if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    return new ExchangeError('body_too_large', 'the request body is too large');
  }
  const type = mediaType(request.headers['content-type']);
  if (type !== FORM_CONTENT_TYPE) {
    return new ExchangeError('malformed_request', `the body must be ${FORM_CONTENT_TYPE}`, {
      reason: type === '' ? 'no content type' : `content type ${type.slice(0, 100)}`,
    });
  }
  return undefined;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}
