import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { adminText } from '@fedbroker/catalog';
import { CHANGE_RESOURCES, type ChangePage } from '@fedbroker/history';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminGuard } from './admin.guard';
import { parseRequest } from './invalid-request.error';
import { fromBound, toBound } from './time-bounds';

/** The query of `GET /admin/v1/changes`. */
export const changeFiltersSchema = z.strictObject({
  resource: z.enum(CHANGE_RESOURCES).optional(),
  name: adminText().min(1).max(256).optional(),
  actor: adminText().min(1).max(64).optional(),
  from: fromBound.optional(),
  to: toBound.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().min(1).max(512).optional(),
});

/** `GET /admin/v1/changes`: every admin write, newest first. */
@Controller('admin/v1/changes')
@UseGuards(AdminGuard)
export class ChangesController {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  @Get()
  list(@Query() query: unknown): Promise<ChangePage> {
    return this.runtime.changes.list(parseRequest(changeFiltersSchema, query, 'query'));
  }
}
