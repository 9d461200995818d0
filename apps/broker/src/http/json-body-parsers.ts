import type { FastifyInstance } from 'fastify';

export const MERGE_PATCH = 'application/merge-patch+json';

/**
 * JSON bodies, parsed by Fastify's own (prototype-poisoning-safe) parser, and JSON merge patches
 * (RFC 7396) the same way. An empty body is no body, so a body-less DELETE sent with
 * `Content-Type: application/json` is not refused.
 */
export function installJsonParsers(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  const parser: typeof parseJson = (request, body, done) => {
    if (body.length === 0) done(null, undefined);
    else void parseJson(request, body, done);
  };
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, parser);
  fastify.addContentTypeParser(MERGE_PATCH, { parseAs: 'string' }, parser);
}
