import type { FastifyRequest } from 'fastify';

const TOKEN_PATH = '/token';

/**
 * Whether a request is for the token endpoint, judged as the router judges it: on the
 * percent-decoded path, so `/%74oken` is `/token` too.
 */
export function isTokenRequest(request: FastifyRequest): boolean {
  const query = request.url.indexOf('?');
  const path = query === -1 ? request.url : request.url.slice(0, query);
  if (path === TOKEN_PATH) return true;
  if (!path.includes('%')) return false;
  try {
    return decodeURIComponent(path) === TOKEN_PATH;
  } catch {
    return false;
  }
}
