import { truncate } from '@fedbroker/platforms';
import type { GrantKind } from './grants/grant';

/** The longest reason an audit event keeps: a few KiB, whatever a denial has to say. */
export const MAX_REASON_LENGTH = 4096;

/**
 * Why a `/token` request failed. Closed: {@link OAUTH_ERRORS} maps every code to its wire form.
 * `message` is what the client may see (the category, and values that are no secret); `reason` is the
 * full account kept for the audit event, at most {@link MAX_REASON_LENGTH} characters.
 */
export type ExchangeErrorCode =
  | 'malformed_request'
  | 'method_not_allowed'
  | 'body_too_large'
  | 'unsupported_grant_type'
  | 'unsupported_token_type'
  | 'unsupported_client_authentication'
  | 'credential_rejected'
  | 'replayed'
  | 'client_mismatch'
  | 'target_not_allowed'
  | 'scope_not_allowed'
  | 'rate_limited'
  | 'platform_unavailable'
  | 'unavailable'
  | 'internal';

export class ExchangeError extends Error {
  readonly reason: string;
  /** The grant the request named, once known: the wire error of a rejected credential depends on it. */
  grant: GrantKind | undefined;

  /** For `rate_limited`: when to retry (`Retry-After`, RFC 9110 §10.2.3). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ExchangeErrorCode,
    message: string,
    options: { reason?: string; cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ExchangeError';
    this.reason = truncate(options.reason ?? message, MAX_REASON_LENGTH);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
