import { Controller, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import type { SigningKeyInfo } from '@fedbroker/minting';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';

/** `/admin/v1/signing-keys`: the keys the broker signs with, and their rotation. */
@Controller('admin/v1/signing-keys')
@UseGuards(AdminGuard)
export class SigningKeysController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Get()
  async list(): Promise<{ items: SigningKeyInfo[] }> {
    return { items: await this.runtime.signingKeys.list() };
  }

  @Post('rotate')
  @HttpCode(201)
  rotate(): Promise<SigningKeyInfo> {
    return this.runtime.rotateSigningKey();
  }
}
