import { STATUS_CODES } from 'node:http';
import { HttpException, NotFoundException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { MERGE_PATCH } from '../http/json-body-parsers';
import { NotServedHereError } from '../http/not-served-here.error';
import type { RouteTable } from '../http/route-table';
import { UnsupportedMediaTypeError } from '../http/unsupported-media-type.error';
import { problem, type ProblemDetails } from './problem-details';

/** A problem and the headers that go with it. */
export interface ProblemAnswer {
  body: ProblemDetails;
  headers: Record<string, string>;
}

/** Framework errors (body parsing, routing) carry an HTTP status; anything else is unexpected. */
export function frameworkStatus(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** A Fastify error's code, also when Nest wrapped the error in an `HttpException` (as its cause). */
function fastifyCode(error: unknown): unknown {
  const cause = error instanceof HttpException ? error.cause : error;
  return (cause as { code?: unknown } | null)?.code;
}

function plain(status: number, detail?: string, errors?: ProblemDetails['errors']): ProblemDetails {
  return problem(status, STATUS_CODES[status] ?? 'Error', detail, errors);
}

function unsupportedMediaType(request: FastifyRequest, expected: string): ProblemAnswer {
  return {
    body: plain(415, `the body must be ${expected}`, [
      { field: 'Content-Type', message: `must be ${expected}` },
    ]),
    headers: request.method === 'PATCH' ? { 'Accept-Patch': MERGE_PATCH } : {},
  };
}

/**
 * The problem a refusal of the HTTP layer becomes outside `/token`: an unknown route (404) or
 * method (405, with `Allow`), a malformed body or URL, a media type or size the endpoint does not
 * take. Undefined for anything that is not such a refusal.
 */
export function frameworkProblem(
  error: unknown,
  request: FastifyRequest,
  routes: RouteTable,
): ProblemAnswer | undefined {
  if (error instanceof NotServedHereError) return { body: plain(404), headers: {} };
  if (error instanceof UnsupportedMediaTypeError) return unsupportedMediaType(request, error.expected);
  if (error instanceof NotFoundException) {
    const allowed = routes.methodsFor(request.url);
    // A route of this method that answers Not Found has no such resource: the method is not at fault.
    if (allowed.length === 0 || allowed.includes(request.method)) return { body: plain(404), headers: {} };
    return {
      body: plain(405, `${request.method} is not allowed here; allowed: ${allowed.join(', ')}`),
      headers: { Allow: allowed.join(', ') },
    };
  }
  switch (fastifyCode(error)) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return {
        body: plain(400, 'the body is not valid JSON', [
          {
            field: '(body)',
            message: 'is not valid JSON (a __proto__ or constructor member is refused too)',
          },
        ]),
        headers: {},
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType(request, request.method === 'PATCH' ? MERGE_PATCH : 'application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { body: plain(413, 'the request body is too large'), headers: {} };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { body: plain(400, 'Content-Length does not match the body'), headers: {} };
    case 'FST_ERR_BAD_URL': {
      const field = routes.undecodableParameter(request.url) ?? '(path)';
      return {
        body: plain(400, 'the URL is not validly percent-encoded', [
          { field, message: 'is not validly percent-encoded UTF-8' },
        ]),
        headers: {},
      };
    }
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { body: plain(414, 'a path segment is too long'), headers: {} };
  }
  const status = frameworkStatus(error);
  return status === undefined ? undefined : { body: plain(status), headers: {} };
}
