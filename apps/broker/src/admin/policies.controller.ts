import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { adminText, policyView, type PolicyRecord } from '@fedbroker/catalog';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';
import { Actor } from './admin-principal';
import { etagOf, requiredVersions } from './http-preconditions';
import { parseRequest } from './invalid-request.error';

/** The query of `GET /admin/v1/policies`. */
export const policyListQuerySchema = z.strictObject({ platform: adminText().min(1).optional() });

/** `/admin/v1/policies`: the CEL trust policies deciding who gets which token. */
@Controller('admin/v1/policies')
@UseGuards(AdminGuard)
export class PoliciesController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ items: Record<string, unknown>[] }> {
    const policies = await this.runtime.policies.list(parseRequest(policyListQuerySchema, query, 'query'));
    return { items: policies.map(policyView) };
  }

  @Get(':name')
  async get(@Param('name') name: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return answer(await this.runtime.policies.get(name), reply);
  }

  @Post()
  @HttpCode(201)
  async create(
    @Body() body: unknown,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const policy = await this.runtime.policies.create(body, actor);
    void reply.header('Location', `/admin/v1/policies/${policy.name}`);
    return answer(policy, reply);
  }

  @Put(':name')
  async update(
    @Param('name') name: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const versions = requiredVersions(ifMatch);
    return answer(await this.runtime.policies.update(name, body, versions, actor), reply);
  }

  /** A JSON merge patch (RFC 7396) of the policy as `GET` shows it. */
  @Patch(':name')
  async patch(
    @Param('name') name: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const versions = requiredVersions(ifMatch);
    return answer(await this.runtime.policies.patch(name, body, versions, actor), reply);
  }

  @Delete(':name')
  @HttpCode(204)
  async remove(
    @Param('name') name: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
  ): Promise<void> {
    await this.runtime.policies.delete(name, requiredVersions(ifMatch), actor);
  }
}

function answer(policy: PolicyRecord, reply: FastifyReply): Record<string, unknown> {
  void reply.header('ETag', etagOf(policy.version));
  return policyView(policy);
}
