import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { adminText } from '@fedbroker/catalog';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';
import { acceptedVersions, etagOf } from './http-preconditions';
import { parseRequest } from './invalid-request.error';
import { policyView } from './resource-views';

const listQuerySchema = z.strictObject({ platform: adminText().min(1).optional() });

/** `/admin/v1/policies`: the CEL trust policies deciding who gets which token. */
@Controller('admin/v1/policies')
@UseGuards(AdminGuard)
export class PoliciesController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ items: Record<string, unknown>[] }> {
    const policies = await this.runtime.policies.list(parseRequest(listQuerySchema, query, 'query'));
    return { items: policies.map(policyView) };
  }

  @Get(':name')
  async get(@Param('name') name: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const policy = await this.runtime.policies.get(name);
    void reply.header('ETag', etagOf(policy.version));
    return policyView(policy);
  }

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const policy = await this.runtime.policies.create(body);
    void reply.header('ETag', etagOf(policy.version)).header('Location', `/admin/v1/policies/${policy.name}`);
    return policyView(policy);
  }

  @Put(':name')
  async update(
    @Param('name') name: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const policy = await this.runtime.policies.update(name, body, acceptedVersions(ifMatch));
    void reply.header('ETag', etagOf(policy.version));
    return policyView(policy);
  }

  @Delete(':name')
  @HttpCode(204)
  async remove(@Param('name') name: string, @Headers('if-match') ifMatch: string | undefined): Promise<void> {
    await this.runtime.policies.delete(name, acceptedVersions(ifMatch));
  }
}
