import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LoggerService, LogLevel } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_BODY_BYTES, oauthErrorFor } from '@fedbroker/exchange';
import { authenticateAdminRequest } from './admin/admin-authentication';
import { APPLY_PATH } from './admin/apply.controller';
import { AppModule } from './app.module';
import { frameworkProblem } from './errors/framework-problem';
import { HttpExceptionFilter, sendProblem, sendProblemFor } from './errors/http-exception.filter';
import { requireJsonAdminBodies } from './http/admin-body-type';
import { answerClientError } from './http/client-error-answer';
import type { AdminListener } from './http/admin-listener';
import { installJsonParsers } from './http/json-body-parsers';
import { NotServedHereError } from './http/not-served-here.error';
import { requestIdOf } from './http/request-id';
import { RouteTable } from './http/route-table';
import type { BrokerRuntime } from './runtime/broker-runtime';
import { problem } from './errors/problem-details';
import { installAccessLog } from './telemetry/access-log';
import { NestLogBridge } from './telemetry/nest-log-bridge';
import { refusedByClientLimit } from './token/client-rate-limit';
import { FormBody } from './token/form-body';
import { sendOAuthError } from './token/oauth-error-response';
import { FORM_CONTENT_TYPE, refusalBeforeBody } from './token/refusal-before-body';
import { requestContextOf } from './token/request-context';
import { isTokenRequest } from './token/token-path';

const ADMIN_BODY_LIMIT = 1024 * 1024;
/** Room for thousands of policies in one bulk apply. */
const APPLY_BODY_LIMIT = 32 * 1024 * 1024;

export interface AppOptions {
  logger?: LoggerService | LogLevel[] | false;
  /** A separate listener for the operator endpoints, which the main listener then no longer serves. */
  adminListener?: AdminListener;
}

/** Builds the Nest application on Fastify around a started runtime; the caller listens. */
export async function createApp(
  runtime: BrokerRuntime,
  options: AppOptions = {},
): Promise<NestFastifyApplication> {
  const routes = new RouteTable();
  const adapter = new FastifyAdapter({
    bodyLimit: ADMIN_BODY_LIMIT,
    genReqId: requestIdOf,
    requestIdHeader: false,
    return503OnClosing: false,
    clientErrorHandler: answerClientError,
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('X-Request-Id', request.id);
      const refuse = (refused: Error) =>
        sendProblem(
          reply,
          frameworkProblem(refused, request, routes) ?? { body: problem(400, 'Bad Request'), headers: {} },
        );
      if (options.adminListener?.serves(request) === false) {
        refuse(new NotServedHereError());
        return;
      }
      // The router refuses a malformed URL before any hook runs: the admin credential still comes first.
      authenticateAdminRequest(runtime.credentials, request, (refusal) => {
        if (refusal) sendProblemFor(refusal, request, reply, routes);
        else refuse(error);
      });
    },
    trustProxy: runtime.config.trustedProxies.length > 0 ? [...runtime.config.trustedProxies] : false,
  });
  const fastify = adapter.getInstance();
  installAccessLog(fastify, runtime.logger, runtime.metrics);
  fastify.addHook('onRoute', (route) => {
    routes.add(route.method, route.url);
    if (route.url === APPLY_PATH) route.bodyLimit = APPLY_BODY_LIMIT;
  });
  installJsonParsers(fastify);
  options.adminListener?.install(fastify);
  fastify.addHook('preClose', (done) => {
    runtime.beginStopping();
    runtime.logger.info('shutting down: finishing requests in flight, then flushing the audit log');
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (runtime.stopping) void reply.header('Connection', 'close');
    done(null, payload);
  });
  fastify.addContentTypeParser(
    FORM_CONTENT_TYPE,
    { parseAs: 'string', bodyLimit: MAX_BODY_BYTES },
    (_request, body, done) => {
      done(null, new FormBody(body as string));
    },
  );
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    const tokenRequest = isTokenRequest(request);
    if (tokenRequest && refusedByClientLimit(runtime, request, reply)) return;
    const refusal = tokenRequest ? refusalBeforeBody(request, runtime.stopping) : undefined;
    if (refusal === undefined) {
      done();
      return;
    }
    void runtime.tokens
      .refuse(refusal, requestContextOf(request))
      .then((error) => sendOAuthError(reply, oauthErrorFor(error.code, undefined), error.message));
  });
  fastify.addHook('onRequest', (request, _reply, done) => {
    authenticateAdminRequest(runtime.credentials, request, done);
  });
  fastify.addHook('onRequest', requireJsonAdminBodies);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(runtime), adapter, {
    logger: options.logger ?? new NestLogBridge(runtime.logger),
    bodyParser: false,
  });
  app.useGlobalFilters(
    new HttpExceptionFilter(routes, (refusal, request) =>
      runtime.tokens.refuse(refusal, requestContextOf(request)),
    ),
  );
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onClose', async () => runtime.close());
  return app;
}
