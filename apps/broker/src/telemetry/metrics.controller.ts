import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';

/**
 * `GET /metrics` in the Prometheus text format, unauthenticated as scrapers expect: with
 * `FEDBROKER_ADMIN_PORT` set it is served on the admin listener only (see `http/operator-paths`).
 */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Get()
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    const { registry } = this.runtime.metrics;
    await reply.header('Content-Type', registry.contentType).send(await registry.metrics());
  }
}
