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
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { platformView, type KeyStatus, type PlatformWrite } from '@fedbroker/catalog';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';
import { Actor } from './admin-principal';
import { etagOf, requiredVersions } from './http-preconditions';

/** `/admin/v1/platforms`: the platforms whose workloads may exchange tokens. */
@Controller('admin/v1/platforms')
@UseGuards(AdminGuard)
export class PlatformsController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Get()
  async list(): Promise<{ items: Record<string, unknown>[] }> {
    return { items: (await this.runtime.platforms.list()).map(platformView) };
  }

  @Get(':name')
  async get(@Param('name') name: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const platform = await this.runtime.platforms.get(name);
    void reply.header('ETag', etagOf(platform.version));
    return platformView(platform);
  }

  /** Fetches the platform's keys now, ignoring the cache: what a write would report under `keys`. */
  @Get(':name/keys')
  keys(@Param('name') name: string): Promise<KeyStatus> {
    return this.runtime.platforms.keyStatus(name);
  }

  @Post()
  @HttpCode(201)
  async create(
    @Body() body: unknown,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const written = await this.runtime.platforms.create(body, actor);
    void reply.header('Location', `/admin/v1/platforms/${written.platform.name}`);
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
    return answer(await this.runtime.platforms.update(name, body, versions, actor), reply);
  }

  /** A JSON merge patch (RFC 7396) of the platform as `GET` shows it. */
  @Patch(':name')
  async patch(
    @Param('name') name: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const versions = requiredVersions(ifMatch);
    return answer(await this.runtime.platforms.patch(name, body, versions, actor), reply);
  }

  @Delete(':name')
  @HttpCode(204)
  async remove(
    @Param('name') name: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
  ): Promise<void> {
    await this.runtime.platforms.delete(name, requiredVersions(ifMatch), actor);
  }
}

function answer({ platform, keys }: PlatformWrite, reply: FastifyReply): Record<string, unknown> {
  void reply.header('ETag', etagOf(platform.version));
  return { ...platformView(platform), keys };
}
