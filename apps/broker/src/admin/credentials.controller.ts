import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { CredentialView, IssuedCredential } from '@fedbroker/admin-credentials';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';
import { AdminOnly } from './admin-access.decorators';
import { Actor } from './admin-principal';
import { requireNoTag } from './http-preconditions';

/** `/admin/v1/credentials`: who may call the admin API, and with which role. */
@Controller('admin/v1/credentials')
@UseGuards(AdminGuard)
export class CredentialsController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Get()
  @AdminOnly()
  async list(): Promise<{ items: CredentialView[] }> {
    return { items: await this.runtime.credentials.list() };
  }

  /** The answer holds the secret, shown this once; only its digest is stored. */
  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  async create(
    @Body() body: unknown,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IssuedCredential> {
    const issued = await this.runtime.credentials.create(body, actor);
    void reply.header('Location', `/admin/v1/credentials/${issued.id}`);
    return issued;
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
  ): Promise<void> {
    await this.runtime.credentials.revoke(id, actor, () => requireNoTag(ifMatch));
  }
}
