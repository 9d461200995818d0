import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import type { PolicyValidation } from '@fedbroker/catalog';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';
import { AuditorAllowed } from './admin-access.decorators';

/**
 * `POST /admin/v1/policies/validate`: what a save of the body would answer, found without saving it.
 * A body that is not valid is the answer, not an error: `200 {"valid": false, "errors", "warnings"}`.
 */
@Controller('admin/v1/policies/validate')
@UseGuards(AdminGuard)
export class PolicyValidationController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Post()
  @HttpCode(200)
  @AuditorAllowed()
  async validate(@Body() body: unknown): Promise<{ valid: boolean } & PolicyValidation> {
    const { errors, warnings } = await this.runtime.policies.validate(body);
    return { valid: errors.length === 0, errors, warnings };
  }
}
