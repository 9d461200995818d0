import type { JWTPayload } from 'jose';
import { VerificationError } from '../errors/verification-error';

const LEGACY_CLAIM_PREFIX = 'kubernetes.io/serviceaccount/';

/**
 * Refuses a legacy Secret-based service-account token: it never expires and uses the flat claim
 * names (`kubernetes.io/serviceaccount/namespace`, …) instead of the nested `kubernetes.io` claim.
 */
export function rejectLegacyServiceAccountToken(claims: JWTPayload): void {
  if (claims.exp === undefined || Object.keys(claims).some((name) => name.startsWith(LEGACY_CLAIM_PREFIX))) {
    throw new VerificationError(
      'legacy_token',
      'legacy Secret-based service-account tokens are not accepted',
    );
  }
}
