import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExchangeErrorCode } from './exchange.error';
import type { GrantKind } from './grants';
import { oauthErrorFor } from './oauth-errors';

/** Every code, once: a code missing here (and so from the README check below) does not compile. */
const CODES = Object.keys({
  malformed_request: true,
  method_not_allowed: true,
  body_too_large: true,
  unsupported_grant_type: true,
  unsupported_token_type: true,
  unsupported_client_authentication: true,
  credential_rejected: true,
  replayed: true,
  client_mismatch: true,
  target_not_allowed: true,
  scope_not_allowed: true,
  rate_limited: true,
  platform_unavailable: true,
  unavailable: true,
  internal: true,
} satisfies Record<ExchangeErrorCode, true>) as ExchangeErrorCode[];

describe('oauthErrorFor', () => {
  it.each<[GrantKind, number, string]>([
    ['token-exchange', 400, 'invalid_request'],
    ['jwt-bearer', 400, 'invalid_grant'],
    ['client-credentials', 401, 'invalid_client'],
  ])('answers a rejected or replayed credential under %s with %i %s', (grant, status, error) => {
    expect(oauthErrorFor('credential_rejected', grant)).toEqual({ status, error });
    expect(oauthErrorFor('replayed', grant)).toEqual({ status, error });
  });

  it.each<[ExchangeErrorCode, number, string]>([
    ['malformed_request', 400, 'invalid_request'],
    ['method_not_allowed', 405, 'invalid_request'],
    ['body_too_large', 413, 'invalid_request'],
    ['unsupported_grant_type', 400, 'unsupported_grant_type'],
    ['unsupported_client_authentication', 401, 'invalid_client'],
    ['client_mismatch', 401, 'invalid_client'],
    ['target_not_allowed', 400, 'invalid_target'],
    ['scope_not_allowed', 400, 'invalid_scope'],
    ['unavailable', 503, 'temporarily_unavailable'],
  ])('answers %s with %i %s whatever the grant', (code, status, error) => {
    expect(oauthErrorFor(code, undefined)).toEqual({ status, error });
  });

  it('documents every code in the README, with the wire error the code maps to', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    for (const code of CODES) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${code}\``));
      expect(row, `README row for ${code}`).toBeDefined();
      expect(row).toContain(oauthErrorFor(code, 'jwt-bearer').error);
    }
  });
});
