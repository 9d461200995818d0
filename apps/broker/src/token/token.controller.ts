import { Body, Controller, Header, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { context, propagation } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import type { TokenResponse } from '@fedbroker/exchange';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { FormBody } from './form-body';
import { requestContextOf } from './request-context';

/**
 * `POST /token`: RFC 8693 token exchange, RFC 7523 JWT bearer grant and client assertion. A W3C
 * `traceparent` makes the exchange's spans part of the caller's trace.
 */
@Controller('token')
export class TokenController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(@Body() body: unknown, @Req() request: FastifyRequest): Promise<TokenResponse> {
    return context.with(propagation.extract(context.active(), request.headers), () =>
      this.runtime.tokens.exchange(body instanceof FormBody ? body.text : null, requestContextOf(request)),
    );
  }
}
