import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ExchangeError, oauthErrorFor } from '@fedbroker/exchange';
import { NotServedHereError } from '../http/not-served-here.error';
import type { RouteTable } from '../http/route-table';
import { sendOAuthError } from '../token/oauth-error-response';
import { isTokenRequest } from '../token/token-path';
import { adminProblem } from './admin-problems';
import { frameworkProblem, frameworkStatus, type ProblemAnswer } from './framework-problem';
import { problem, PROBLEM_CONTENT_TYPE } from './problem-details';

/** Sends a problem+json answer (RFC 9457). */
export function sendProblem(reply: FastifyReply, { body, headers }: ProblemAnswer): void {
  if (body.status === 401) void reply.header('WWW-Authenticate', 'Bearer');
  void reply.status(body.status).headers(headers).header('Content-Type', PROBLEM_CONTENT_TYPE).send(body);
}

const logger = new Logger('HttpExceptionFilter');

/**
 * Sends the problem an error outside `/token` becomes: an admin error's or a refusal of the HTTP
 * layer's; anything unexpected is a 500 whose detail stays in the log.
 */
export function sendProblemFor(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  routes: RouteTable,
): void {
  const known = adminProblem(error);
  const answer = known ? { body: known, headers: {} } : frameworkProblem(error, request, routes);
  if (!answer)
    logger.error(`unexpected error on ${request.method} ${request.url.split('?')[0]}`, stackOf(error));
  sendProblem(reply, answer ?? { body: problem(500, 'Internal server error'), headers: {} });
}

/** Audits a `/token` request refused outside the exchange; resolves with the error to answer with. */
export type AuditRefusal = (refusal: ExchangeError, request: FastifyRequest) => Promise<ExchangeError>;

/**
 * The one place an error becomes a response: RFC 6749 §5.2 JSON on `/token`, RFC 9457 problem
 * details elsewhere. Anything unexpected is a 500 whose detail stays in the log. A `/token` request
 * the exchange did not see (the HTTP layer refused its body, say) is audited here, as every
 * `/token` request is.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly routes: RouteTable,
    private readonly auditRefusal: AuditRefusal,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const servedHere = !(error instanceof NotServedHereError);
    if (error instanceof ExchangeError || (servedHere && isTokenRequest(request))) {
      this.sendOAuth(error, request, reply);
      return;
    }
    sendProblemFor(error, request, reply, this.routes);
  }

  private sendOAuth(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    if (error instanceof ExchangeError) {
      if (error.code === 'internal' || error.code === 'unavailable') {
        logger.error(`token request failed: ${error.code}`, stackOf(error.cause));
      }
      if (error.retryAfterSeconds !== undefined)
        void reply.header('Retry-After', String(error.retryAfterSeconds));
      sendOAuthError(reply, oauthErrorFor(error.code, error.grant), error.message);
      return;
    }
    void this.auditRefusal(this.refusalOf(error), request).then((answer) =>
      sendOAuthError(reply, oauthErrorFor(answer.code, undefined), answer.message),
    );
  }

  private refusalOf(error: unknown): ExchangeError {
    const framework = frameworkStatus(error);
    if (framework === undefined) {
      logger.error('unexpected error on /token', stackOf(error));
      return new ExchangeError('internal', 'the request could not be completed', { cause: error });
    }
    const code = (error as { code?: unknown }).code;
    const description = describeFramework(framework);
    return new ExchangeError(framework === 413 ? 'body_too_large' : 'malformed_request', description, {
      reason: `${description}: refused by the HTTP layer${typeof code === 'string' ? ` (${code})` : ''}`,
    });
  }
}

/** The stack only: an error's own properties (a JWT library's `payload`, say) may carry claims. */
function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : typeof error;
}

function describeFramework(status: number): string {
  switch (status) {
    case 413:
      return 'the request body is too large';
    case 415:
      return 'the body must be application/x-www-form-urlencoded';
    case 404:
      return 'not found';
    case 405:
      return 'method not allowed';
    default:
      return 'the request is malformed';
  }
}
