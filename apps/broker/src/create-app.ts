import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LoggerService, LogLevel } from '@nestjs/common';
import { MAX_BODY_BYTES, oauthErrorFor } from '@fedbroker/exchange';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './errors/http-exception.filter';
import type { BrokerRuntime } from './runtime/broker-runtime';
import { FormBody } from './token/form-body';
import { sendOAuthError } from './token/oauth-error-response';
import { FORM_CONTENT_TYPE, refusalBeforeBody } from './token/refusal-before-body';
import { requestContextOf } from './token/request-context';
import { isTokenRequest } from './token/token-path';

const ADMIN_BODY_LIMIT = 1024 * 1024;
/**
 * Keep-alive once shutting down: a connection that was busy when the server stopped listening
 * stays open this long for its client's next request, which gets an audited 503, then closes.
 */
const SHUTDOWN_KEEP_ALIVE_MS = 1_000;

export interface AppOptions {
  logger?: LoggerService | LogLevel[] | false;
}

/** Builds the Nest application on Fastify around a started runtime; the caller listens. */
export async function createApp(
  runtime: BrokerRuntime,
  options: AppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: ADMIN_BODY_LIMIT,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    return503OnClosing: false,
  });
  const fastify = adapter.getInstance();
  let shuttingDown = false;
  fastify.addHook('preClose', (done) => {
    shuttingDown = true;
    fastify.server.keepAliveTimeout = SHUTDOWN_KEEP_ALIVE_MS;
    done();
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
    const refusal = isTokenRequest(request) ? refusalBeforeBody(request, shuttingDown) : undefined;
    if (refusal === undefined) {
      done();
      return;
    }
    void runtime.tokens
      .refuse(refusal, requestContextOf(request))
      .then((error) => sendOAuthError(reply, oauthErrorFor(error.code, undefined), error.message));
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(runtime), adapter, {
    logger: options.logger ?? ['log', 'warn', 'error'],
    bodyParser: false,
  });
  app.useGlobalFilters(
    new HttpExceptionFilter((refusal, request) => runtime.tokens.refuse(refusal, requestContextOf(request))),
  );
  app.enableShutdownHooks();
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onClose', async () => runtime.close());
  return app;
}
