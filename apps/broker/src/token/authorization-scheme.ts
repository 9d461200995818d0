import type { FastifyRequest } from 'fastify';

/** RFC 9110 §11.1: `auth-scheme = token`; longer than any registered scheme is no scheme the broker names. */
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;

/** The realm of the challenge answering client authentication by the `Authorization` header. */
const REALM = 'fedbroker';

/**
 * The scheme of the request's `Authorization` header, never its credentials: undefined without the
 * header, `''` when it names no scheme.
 */
export function authorizationSchemeOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const scheme = header.trimStart().split(/[ \t]/, 1)[0] ?? '';
  return SCHEME.test(scheme) ? scheme : '';
}

/**
 * The `WWW-Authenticate` challenge of a `401`: the scheme the client used in its `Authorization`
 * header (RFC 6749 §5.2), `Basic` when it named none, else `Bearer`.
 */
export function challengeFor(request: FastifyRequest): string {
  const scheme = authorizationSchemeOf(request);
  if (scheme === undefined) return 'Bearer';
  return `${scheme === '' ? 'Basic' : scheme} realm="${REALM}"`;
}
