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
import { adminText, policyView, type PolicyRecord, type PolicyWrite } from '@fedbroker/catalog';
import type { PolicyTestResult } from '@fedbroker/policy';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';
import { AuditorAllowed } from './admin-access.decorators';
import { Actor } from './admin-principal';
import { etagOf, requiredVersions } from './http-preconditions';
import { parseRequest } from './invalid-request.error';

/** The query of `GET /admin/v1/policies`. */
export const policyListQuerySchema = z.strictObject({ platform: adminText().min(1).optional() });

/** `POST …/{name}/test` runs the stored tests: a body may be empty, and holds nothing. */
export const runTestsBodySchema = z.strictObject({}).optional();

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
    return shown(await this.runtime.policies.get(name), reply);
  }

  /** Runs the policy's stored tests against it as stored; writes nothing. */
  @Post(':name/test')
  @HttpCode(200)
  @AuditorAllowed()
  async test(@Param('name') name: string, @Body() body: unknown): Promise<{ results: PolicyTestResult[] }> {
    parseRequest(runTestsBodySchema, body, 'body');
    return { results: await this.runtime.policies.runTests(name) };
  }

  @Post()
  @HttpCode(201)
  async create(
    @Body() body: unknown,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const written = await this.runtime.policies.create(body, actor);
    void reply.header('Location', `/admin/v1/policies/${written.policy.name}`);
    return answer(written, reply);
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

function shown(policy: PolicyRecord, reply: FastifyReply): Record<string, unknown> {
  void reply.header('ETag', etagOf(policy.version));
  return policyView(policy);
}

/** A write's answer: the policy as stored and its warnings (empty when none). */
function answer({ policy, warnings }: PolicyWrite, reply: FastifyReply): Record<string, unknown> {
  return { ...shown(policy, reply), warnings };
}
