import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { AdminPrincipal } from '@fedbroker/admin-credentials';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { ADMIN_ONLY, AUDITOR_ALLOWED } from './admin-access.decorators';
import { AdminAuthError } from './admin-auth.error';
import { AdminForbiddenError } from './admin-forbidden.error';
import { admitAs } from './admin-principal';

const READS = new Set(['GET', 'HEAD']);

/**
 * Admits a request whose `Authorization: Bearer` credential is a known admin credential and whose
 * role allows it: `admin` everything; `auditor` reads (unless `@AdminOnly()`) and the endpoints
 * marked `@AuditorAllowed()`.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    @Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer +([\x21-\x7E]+)\s*$/i.exec(header);
    if (!match?.[1]) throw new AdminAuthError('an admin bearer credential is required');
    const principal = await this.runtime.credentials.authenticate(match[1]);
    if (!principal) throw new AdminAuthError('the credential is not valid');
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
