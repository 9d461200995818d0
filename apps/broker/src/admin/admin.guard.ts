import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { AdminPrincipal } from '@fedbroker/admin-credentials';
import { ADMIN_ONLY, AUDITOR_ALLOWED } from './admin-access.decorators';
import { authenticatedAs } from './admin-authentication';
import { AdminForbiddenError } from './admin-forbidden.error';
import { admitAs } from './admin-principal';

const READS = new Set(['GET', 'HEAD']);

/**
 * Admits an admin request whose role allows it: `admin` everything; `auditor` reads (unless
 * `@AdminOnly()`) and the endpoints marked `@AuditorAllowed()`. Whom the request acts as was
 * settled before routing, by `authenticateAdminRequest`, which refused it unless its credential
 * is valid.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = authenticatedAs(request);
    if (!principal)
      throw new Error('an admin route is served outside /admin, where no credential is checked');
    if (!this.allows(principal, request.method, context)) {
      throw new AdminForbiddenError(`an ${principal.role} credential may not do this`);
    }
    admitAs(request, principal);
    return true;
  }

  private allows(principal: AdminPrincipal, method: string, context: ExecutionContext): boolean {
    switch (principal.role) {
      case 'admin':
        return true;
      case 'auditor': {
        const marked = (key: string) =>
          this.reflector.getAllAndOverride<boolean | undefined>(key, [
            context.getHandler(),
            context.getClass(),
          ]) === true;
        return READS.has(method) ? !marked(ADMIN_ONLY) : marked(AUDITOR_ALLOWED);
      }
    }
  }
}
