import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { AuditChainReport, AuditEventView } from '@fedbroker/audit';
import { adminText } from '@fedbroker/catalog';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';
import { parseRequest } from './invalid-request.error';
import { fromBound, toBound } from './time-bounds';

/** The query of `GET /admin/v1/audit-events`. */
export const auditFiltersSchema = z.strictObject({
  outcome: z.enum(['issued', 'denied']).optional(),
  platform: adminText().min(1).optional(),
  subject: adminText().min(1).optional(),
  policy: adminText().min(1).optional(),
  requestId: adminText().min(1).max(256).optional(),
  tokenId: adminText().min(1).max(256).optional(),
  from: fromBound.optional(),
  to: toBound.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().min(1).max(512).optional(),
});

/** `GET /admin/v1/audit-events`: every `/token` decision, newest first; `/verify` checks the hash chains. */
@Controller('admin/v1/audit-events')
@UseGuards(AdminGuard)
export class AuditEventsController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Get()
  async list(@Query() query: unknown): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
    return this.runtime.auditEvents.list(parseRequest(auditFiltersSchema, query, 'query'));
  }

  /** Walks every chain (the whole table: time grows with it) and names the first broken row. */
  @Get('verify')
  verify(): Promise<AuditChainReport> {
    return this.runtime.auditChain.verify();
  }
}
