import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';

/** Liveness and readiness for orchestrators. */
@Controller()
export class HealthController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res() reply: FastifyReply): Promise<void> {
    const checks = {
      accepting: !this.runtime.stopping,
      database: await this.runtime.database.reachable(),
      signingKey: this.runtime.signingKeys.ready,
    };
    const ready = checks.accepting && checks.database && checks.signingKey;
    await reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  }
}
