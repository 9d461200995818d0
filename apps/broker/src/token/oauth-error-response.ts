import type { FastifyReply } from 'fastify';
import type { OAuthError } from '@fedbroker/exchange';
import { challengeFor } from './authorization-scheme';

/** Sends an RFC 6749 §5.2 error: JSON, never cached, with the headers its status calls for. */
export function sendOAuthError(reply: FastifyReply, wire: OAuthError, description: string): void {
  if (wire.status === 401) void reply.header('WWW-Authenticate', challengeFor(reply.request));
  if (wire.status === 405) void reply.header('Allow', 'POST');
  void reply
    .status(wire.status)
    .header('Cache-Control', 'no-store')
    .header('Pragma', 'no-cache')
    .send({ error: wire.error, error_description: description });
}
