import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { BROKER_RUNTIME } from '../runtime/broker-runtime.token';
import { AdminAuthError } from './admin-auth.error';

/** Admits a request whose `Authorization: Bearer` credential is a known admin credential. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(BROKER_RUNTIME) private readonly runtime: BrokerRuntime) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const match = header === undefined ? null : /^Bearer +([\x21-\x7E]+)\s*$/i.exec(header);
    if (!match?.[1]) throw new AdminAuthError('an admin bearer credential is required');
    if (!this.runtime.adminCredentials.verify(match[1]))
      throw new AdminAuthError('the credential is not valid');
    return true;
  }
}
