import type { onRequestHookHandler } from 'fastify';
import { MERGE_PATCH } from './json-body-parsers';
import { isAdminApiPath } from './operator-paths';
import { UnsupportedMediaTypeError } from './unsupported-media-type.error';

/**
 * Refuses (415), before it is read, an admin request body that is not JSON, or for `PATCH` not a
 * JSON merge patch. Requests without a body pass, whatever their `Content-Type`.
 */
export const requireJsonAdminBodies: onRequestHookHandler = (request, _reply, done) => {
  const { headers } = request;
  const hasBody = Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined;
  if (!hasBody || request.routeOptions.url === undefined || !isAdminApiPath(request.url)) {
    done();
    return;
  }
  const expected = request.method === 'PATCH' ? MERGE_PATCH : 'application/json';
  const type = headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  done(type === expected ? undefined : new UnsupportedMediaTypeError(expected));
};
