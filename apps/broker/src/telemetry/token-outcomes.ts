import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { TokenOutcome } from '@fedbroker/exchange';

const outcomes = new WeakMap<IncomingMessage, TokenOutcome>();

/** Records how a `/token` request ended, for its access line and metrics. */
export function settleTokenRequest(request: FastifyRequest, outcome: TokenOutcome): void {
  outcomes.set(request.raw, outcome);
}

/** How a `/token` request ended; undefined for other requests. */
export function tokenOutcomeOf(request: FastifyRequest): TokenOutcome | undefined {
  return outcomes.get(request.raw);
}
