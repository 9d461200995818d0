import type { JWTPayload } from 'jose';
import { invalidClaim, missingClaim } from '../errors/claim-errors';
import { optionalString, requiredString } from './gcp-claim-values';

/** The service account a Google identity token was issued to. */
export interface ServiceAccountClaims {
  /** `sub`: the account's numeric unique ID, never reused. */
  serviceAccountId: string;
  /** `email`: the account's address, for display; reusable after the account is deleted. */
  serviceAccountEmail: string;
}

const UNIQUE_ID = /^[0-9]{1,32}$/;

/**
 * Reads the service account of a token {@link refuseGoogleUserToken} let through: `sub` must be its
 * numeric unique ID, `email_verified` must be `true`, and `azp`, when present, must name that
 * same account (its unique ID or address), not an OAuth client that obtained the token.
 */
export function readServiceAccountClaims(claims: JWTPayload): ServiceAccountClaims {
  const serviceAccountId = requiredString(claims, 'sub', 'sub');
  if (!UNIQUE_ID.test(serviceAccountId)) {
    throw invalidClaim('sub', 'the "sub" claim is not a service account unique ID');
  }
  const serviceAccountEmail = requiredString(claims, 'email', 'email');
  const verified = claims.email_verified;
  if (verified === undefined) {
    throw missingClaim('email_verified');
  }
  if (verified !== true) {
    throw invalidClaim('email', 'the "email" claim is not verified');
  }
  const azp = optionalString(claims, 'azp', 'azp');
  if (azp !== undefined && azp !== serviceAccountId && azp !== serviceAccountEmail) {
    throw invalidClaim('azp', 'the "azp" claim names another party than the service account');
  }
  return { serviceAccountId, serviceAccountEmail };
}
