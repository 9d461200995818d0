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
  fastify.addHook('preClose', (done) => {
    runtime.beginStopping();
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
    const refusal = isTokenRequest(request) ? refusalBeforeBody(request, runtime.stopping) : undefined;
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
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onClose', async () => runtime.close());
  return app;
}
