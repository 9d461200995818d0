import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientAddressKey } from '@fedbroker/rate-limit';
import type { BrokerRuntime } from '../runtime/broker-runtime';
import { settleTokenRequest } from '../telemetry/token-outcomes';
import { sendOAuthError } from './oauth-error-response';

/** The audit `error` of a request refused by a rate limit. */
const RATE_LIMITED = 'rate_limited';
const REFUSED = { grant: undefined, outcome: 'denied', platform: undefined } as const;

/**
 * Spends one request of the client address's allowance; over it, audits the denial and answers
 * `429 temporarily_unavailable` with `Retry-After` (or `503` when the denial cannot be audited),
 * and returns true. The address is `request.ip`: the peer, or what trusted proxies forwarded.
 */
export function refusedByClientLimit(
  runtime: BrokerRuntime,
  request: FastifyRequest,
  reply: FastifyReply,
): boolean {
  const decision = runtime.rateLimits.perClient.take(clientAddressKey(request.ip));
  if (decision.ok) return false;
  void runtime.audit
    .write({
      time: runtime.now(),
      requestId: request.id,
      clientIp: request.ip,
      userAgent: request.headers['user-agent'] ?? null,
      grantType: null,
      outcome: 'denied',
      error: RATE_LIMITED,
      reason: `over ${runtime.config.rateLimitPerClient} requests a minute from this client address`,
    })
    .then(
      () => {
        settleTokenRequest(request, { ...REFUSED, error: RATE_LIMITED });
        void reply.header('Retry-After', String(decision.retryAfterSeconds));
        sendOAuthError(
          reply,
          { status: 429, error: 'temporarily_unavailable' },
          'too many requests from this client address; retry later',
        );
      },
      () => {
        settleTokenRequest(request, { ...REFUSED, error: 'unavailable' });
        sendOAuthError(
          reply,
          { status: 503, error: 'temporarily_unavailable' },
          'the service is temporarily unavailable',
        );
      },
    );
  return true;
}
