import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AdminPrincipal } from '@fedbroker/admin-credentials';

const principals = new WeakMap<FastifyRequest, AdminPrincipal>();

/** Remembers who an admitted admin request acts as. */
export function admitAs(request: FastifyRequest, principal: AdminPrincipal): void {
  principals.set(request, principal);
}

/** The actor of the admin request (a credential id, or `bootstrap`): who a write is recorded as. */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const principal = principals.get(context.switchToHttp().getRequest<FastifyRequest>());
  if (!principal) throw new Error('@Actor() is used on a route without AdminGuard');
  return principal.actor;
});
