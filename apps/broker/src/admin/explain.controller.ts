import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { MAX_TOKEN_BYTES, type ExplainReport } from '@fedbroker/exchange';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';
import { AuditorAllowed } from './admin-access.decorators';
import { parseRequest } from './invalid-request.error';

/** The body of `POST /admin/v1/explain`. */
export const explainBodySchema = z
  .strictObject({
    token: z.string().min(1).max(MAX_TOKEN_BYTES),
    tokenType: z.string().min(1).optional(),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).max(20)]).optional(),
    scope: z.string().optional(),
    grantType: z.string().min(1).optional(),
    actorToken: z.string().min(1).max(MAX_TOKEN_BYTES).optional(),
    actorTokenType: z.string().min(1).optional(),
    clientId: z.string().min(1).max(2048).optional(),
  })
  // /token refuses the type alone; without it, an actor token is taken for a JWT, as `token` is
  .refine((body) => body.actorTokenType === undefined || body.actorToken !== undefined, {
    message: 'goes with actorToken',
    path: ['actorTokenType'],
  });

/** `POST /admin/v1/explain`: what `/token` would decide for a credential, and why. */
@Controller('admin/v1/explain')
@UseGuards(AdminGuard)
export class ExplainController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Post()
  @HttpCode(200)
  @AuditorAllowed()
  explain(@Body() body: unknown): Promise<ExplainReport> {
    const request = parseRequest(explainBodySchema, body, 'body');
    const scopes = request.scope?.split(' ').filter((s) => s !== '');
    return this.runtime.tokens.explain({
      token: request.token,
      tokenType: request.tokenType,
      audience: request.audience === undefined ? [] : [request.audience].flat(),
      scopes: scopes === undefined || scopes.length === 0 ? undefined : scopes,
      grantType: request.grantType,
      actorToken: request.actorToken,
      actorTokenType: request.actorTokenType,
      clientId: request.clientId,
    });
  }
}
