import { Body, Controller, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { RewrapReport, SigningKeyInfo } from '@fedbroker/minting';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';
import { Actor } from './admin-principal';
import { parseRequest } from './invalid-request.error';

/** The body of `POST /admin/v1/signing-keys/rotate`; none at all rotates at once. */
export const rotateBodySchema = z
  .strictObject({
    activateAfterSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .optional()
      .describe('Seconds the new key is published in /jwks before it signs; 0 (default): at once.'),
  })
  .optional();

/** The body of `POST /admin/v1/signing-keys/rewrap`: nothing, or an empty object. */
export const rewrapBodySchema = z.strictObject({}).optional();

/** `/admin/v1/signing-keys`: the keys the broker signs with, their rotation and rewrapping. */
@Controller('admin/v1/signing-keys')
@UseGuards(AdminGuard)
export class SigningKeysController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Get()
  async list(): Promise<{ items: SigningKeyInfo[] }> {
    return { items: await this.runtime.signingKeys.list() };
  }

  /**
   * Publishes a new key; with `{"activateAfterSeconds": N}` it signs only N seconds later (0 by
   * default), so resource servers caching `/jwks` see it first. 409 while a key is still pending.
   */
  @Post('rotate')
  @HttpCode(201)
  rotate(@Body() body: unknown, @Actor() actor: string): Promise<SigningKeyInfo> {
    return this.runtime.rotateSigningKey(parseRequest(rotateBodySchema, body, 'body') ?? {}, actor);
  }

  /** Rewraps every stored key under this replica's `FEDBROKER_KEY_ENCRYPTION_KEY`. */
  @Post('rewrap')
  @HttpCode(200)
  rewrap(@Body() body: unknown, @Actor() actor: string): Promise<RewrapReport> {
    parseRequest(rewrapBodySchema, body, 'body');
    return this.runtime.rewrapSigningKeys(actor);
  }
}
