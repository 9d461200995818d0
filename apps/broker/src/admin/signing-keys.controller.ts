import { Body, Controller, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { SigningKeyInfo } from '@fedbroker/minting';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';
import { Actor } from './admin-principal';
import { parseRequest } from './invalid-request.error';

const rotateBodySchema = z
  .strictObject({
    activateAfterSeconds: z.number().int().min(0).max(86_400).optional(),
  })
  .optional();

/** `/admin/v1/signing-keys`: the keys the broker signs with, and their rotation. */
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
}
