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
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';
import { acceptedVersions, etagOf } from './http-preconditions';
import { platformView } from './resource-views';

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

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const { platform, keys } = await this.runtime.platforms.create(body);
    void reply
      .header('ETag', etagOf(platform.version))
      .header('Location', `/admin/v1/platforms/${platform.name}`);
    return { ...platformView(platform), keys };
  }

  @Put(':name')
  async update(
    @Param('name') name: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { platform, keys } = await this.runtime.platforms.update(name, body, acceptedVersions(ifMatch));
    void reply.header('ETag', etagOf(platform.version));
    return { ...platformView(platform), keys };
  }

  @Delete(':name')
  @HttpCode(204)
  async remove(@Param('name') name: string, @Headers('if-match') ifMatch: string | undefined): Promise<void> {
    await this.runtime.platforms.delete(name, acceptedVersions(ifMatch));
  }
}
