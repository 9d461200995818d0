import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ExchangeError, oauthErrorFor } from '@fedbroker/exchange';
import { sendOAuthError } from '../token/oauth-error-response';
import { isTokenRequest } from '../token/token-path';
import { adminProblem } from './admin-problems';
import { problem, PROBLEM_CONTENT_TYPE, type ProblemDetails } from './problem-details';

/** Framework errors (body parsing, routing) carry an HTTP status; anything else is unexpected. */
function frameworkStatus(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/**
 * The one place an error becomes a response: RFC 6749 §5.2 JSON on `/token`, RFC 9457 problem
 * details elsewhere. Anything unexpected is a 500 whose detail stays in the log.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof ExchangeError || isTokenRequest(request)) {
      this.sendOAuth(error, reply);
      return;
    }
    const known = adminProblem(error) ?? this.frameworkProblem(error);
    if (!known)
      this.logger.error(`unexpected error on ${request.method} ${request.url.split('?')[0]}`, stackOf(error));
    const body = known ?? problem(500, 'Internal server error');
    if (body.status === 401) void reply.header('WWW-Authenticate', 'Bearer');
    void reply.status(body.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(body);
  }

  private sendOAuth(error: unknown, reply: FastifyReply): void {
    if (error instanceof ExchangeError) {
      if (error.code === 'internal' || error.code === 'unavailable') {
        this.logger.error(`token request failed: ${error.code}`, stackOf(error.cause));
      }
      if (error.retryAfterSeconds !== undefined)
        void reply.header('Retry-After', String(error.retryAfterSeconds));
      sendOAuthError(reply, oauthErrorFor(error.code, error.grant), error.message);
      return;
    }
    const framework = frameworkStatus(error);
    if (framework === undefined) {
      this.logger.error('unexpected error on /token', stackOf(error));
      sendOAuthError(reply, { status: 500, error: 'server_error' }, 'the request could not be completed');
      return;
    }
    const status = framework === 413 ? 413 : 400;
    sendOAuthError(reply, { status, error: 'invalid_request' }, describeFramework(framework));
  }

  private frameworkProblem(error: unknown): ProblemDetails | undefined {
    const status = frameworkStatus(error);
    if (status === undefined) return undefined;
    return problem(status, describeFramework(status));
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
