import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AdminPrincipal } from '@fedbroker/admin-credentials';

const principals = new WeakMap<FastifyRequest, AdminPrincipal>();

/** Remembers who an admitted admin request acts as. */
export function admitAs(request: FastifyRequest, principal: AdminPrincipal): void {
  principals.set(request, principal);
}

function admitted(context: ExecutionContext): AdminPrincipal {
  const principal = principals.get(context.switchToHttp().getRequest<FastifyRequest>());
  if (!principal) throw new Error('an admin principal is read on a route without AdminGuard');
  return principal;
}

/** The actor of the admin request (a credential id, or `bootstrap`): who a write is recorded as. */
export const Actor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string => admitted(context).actor,
);

/** Who the admin request acts as, with its role. */
export const Principal = createParamDecorator((_data: unknown, context: ExecutionContext): AdminPrincipal =>
  admitted(context),
);
