import { Controller, Get, UseGuards } from '@nestjs/common';
import type { AdminPrincipal } from '@fedbroker/admin-credentials';
import { AdminGuard } from './admin.guard';
import { Principal } from './admin-principal';

/** `GET /admin/v1/me`: who the presented credential acts as, and with which role. */
@Controller('admin/v1/me')
@UseGuards(AdminGuard)
export class MeController {
  @Get()
  me(@Principal() principal: AdminPrincipal): AdminPrincipal {
    return { actor: principal.actor, role: principal.role };
  }
}
