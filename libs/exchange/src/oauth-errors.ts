import type { ExchangeErrorCode } from './exchange.error';
import type { GrantKind } from './grants/grant';

export interface OAuthError {
  status: number;
  error: string;
}

type CredentialErrors = Record<GrantKind | 'unknown', OAuthError>;

/** The error each grant's own RFC names for a rejected credential (RFC 8693 §2.2.2, RFC 7523 §3.1, §3.2). */
const CREDENTIAL_REJECTED: CredentialErrors = {
  'token-exchange': { status: 400, error: 'invalid_request' },
  'jwt-bearer': { status: 400, error: 'invalid_grant' },
  'client-credentials': { status: 401, error: 'invalid_client' },
  unknown: { status: 400, error: 'invalid_grant' },
};

const OAUTH_ERRORS: Record<ExchangeErrorCode, OAuthError | CredentialErrors> = {
  malformed_request: { status: 400, error: 'invalid_request' },
  method_not_allowed: { status: 405, error: 'invalid_request' },
  body_too_large: { status: 413, error: 'invalid_request' },
  unsupported_grant_type: { status: 400, error: 'unsupported_grant_type' },
  unsupported_token_type: { status: 400, error: 'invalid_request' },
  unsupported_client_authentication: { status: 401, error: 'invalid_client' },
  credential_rejected: CREDENTIAL_REJECTED,
  replayed: CREDENTIAL_REJECTED,
  client_mismatch: { status: 401, error: 'invalid_client' },
  target_not_allowed: { status: 400, error: 'invalid_target' },
  scope_not_allowed: { status: 400, error: 'invalid_scope' },
  rate_limited: { status: 429, error: 'temporarily_unavailable' },
  platform_unavailable: { status: 503, error: 'temporarily_unavailable' },
  unavailable: { status: 503, error: 'temporarily_unavailable' },
  internal: { status: 500, error: 'server_error' },
};

/** The RFC 6749 §5.2 error and HTTP status for `code` under `grant`. */
export function oauthErrorFor(code: ExchangeErrorCode, grant: GrantKind | undefined): OAuthError {
  const entry = OAUTH_ERRORS[code];
  return 'status' in entry ? entry : entry[grant ?? 'unknown'];
}
