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
  private readonly logger = new Logger('HttpExceptionFilter');

  constructor(private readonly auditRefusal: AuditRefusal) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof ExchangeError || isTokenRequest(request)) {
      this.sendOAuth(error, request, reply);
      return;
    }
    const known = adminProblem(error) ?? this.frameworkProblem(error);
    if (!known)
      this.logger.error(`unexpected error on ${request.method} ${request.url.split('?')[0]}`, stackOf(error));
    const body = known ?? problem(500, 'Internal server error');
    if (body.status === 401) void reply.header('WWW-Authenticate', 'Bearer');
    void reply.status(body.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(body);
  }

  private sendOAuth(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    if (error instanceof ExchangeError) {
      if (error.code === 'internal' || error.code === 'unavailable') {
        this.logger.error(`token request failed: ${error.code}`, stackOf(error.cause));
      }
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
      this.logger.error('unexpected error on /token', stackOf(error));
      return new ExchangeError('internal', 'the request could not be completed', { cause: error });
    }
    const code = (error as { code?: unknown }).code;
    const reason = `refused by the HTTP layer${typeof code === 'string' ? ` (${code})` : ''}`;
    return new ExchangeError(
      framework === 413 ? 'body_too_large' : 'malformed_request',
      describeFramework(framework),
      {
        reason,
      },
    );
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
