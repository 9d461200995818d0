import type { FastifyRequest } from 'fastify';

const TOKEN_PATH = '/token';

/**
 * Whether a request is for the token endpoint, judged as the router judges it: the matched route,
 * or for a method with no route there, the percent-decoded path (so `/%74oken` is `/token` too).
 */
export function isTokenRequest(request: FastifyRequest): boolean {
  if (request.routeOptions.url !== undefined) return request.routeOptions.url === TOKEN_PATH;
  const path = request.url.split('?')[0] ?? '';
  try {
    return decodeURIComponent(path) === TOKEN_PATH;
  } catch {
    return false;
  }
}
