import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import type { ApplyResult } from '@fedbroker/catalog';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';
import { Actor } from './admin-principal';

/** The path of bulk apply, whose bodies may be larger than other admin bodies. */
export const APPLY_PATH = '/admin/v1/apply';

/** `POST /admin/v1/apply`: platforms and policies created or updated by name, all or nothing. */
@Controller('admin/v1/apply')
@UseGuards(AdminGuard)
export class ApplyController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Post()
  @HttpCode(200)
  apply(@Body() body: unknown, @Actor() actor: string): Promise<ApplyResult> {
    return this.runtime.apply.apply(body, actor);
  }
}
