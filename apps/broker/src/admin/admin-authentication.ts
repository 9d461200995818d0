import type { FastifyRequest } from 'fastify';
import type { AdminPrincipal, CredentialStore } from '@fedbroker/admin-credentials';
import { isAdminApiPath } from '../http/operator-paths';
import { AdminAuthError } from './admin-auth.error';

const BEARER = /^Bearer +([\x21-\x7E]+)\s*$/i;

const authenticated = new WeakMap<FastifyRequest, AdminPrincipal>();

/**
 * Checks the `Authorization: Bearer` credential of a request for the admin API (anything under
 * `/admin`) and remembers whom it authenticates, for {@link AdminGuard} to decide what it may do.
 * It runs first, as an `onRequest` hook and for the URLs the router refuses before any hook: a
 * caller without a valid credential gets 401 before its body is read and before routing says
 * whether the path, the method or the media type exists. `done` gets an {@link AdminAuthError}, or
 * the failure of the credential lookup; requests for other paths pass untouched.
 */
export function authenticateAdminRequest(
  credentials: Pick<CredentialStore, 'authenticate'>,
  request: FastifyRequest,
  done: (refusal?: Error) => void,
): void {
  if (!isAdminApiPath(request.url)) {
    done();
    return;
  }
  const header = request.headers.authorization;
  const match = header === undefined ? null : BEARER.exec(header);
  if (!match?.[1]) {
    done(new AdminAuthError('an admin bearer credential is required'));
    return;
  }
  void credentials.authenticate(match[1]).then(
    (principal) => {
      if (!principal) {
        done(new AdminAuthError('the credential is not valid'));
        return;
      }
      authenticated.set(request, principal);
      done();
    },
    (error: unknown) => {
      done(
        error instanceof Error ? error : new Error('the credential could not be checked', { cause: error }),
      );
    },
  );
}

/** Whom {@link authenticateAdminRequest} found a request's credential to authenticate. */
export function authenticatedAs(request: FastifyRequest): AdminPrincipal | undefined {
  return authenticated.get(request);
}
