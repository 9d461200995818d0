import type { JWTPayload } from 'jose';
import { invalidClaim, missingClaim } from '../errors/claim-errors';
import { SERVICE_ACCOUNT_EMAIL } from './google-id-token';

/**
 * Refuses an identity token that does not name a service account. Google signs its users' ID
 * tokens (Sign-In with Google, `gcloud auth print-identity-token` as a user) with the same issuer
 * and keys; what sets a workload's token apart is its `email`: a service account's address under
 * `gserviceaccount.com`, a domain only Google's service accounts hold. The metadata server writes
 * `email` only when asked with `format=full`, so a `format=standard` token is refused too.
 */
export function refuseGoogleUserToken(claims: JWTPayload): void {
  const { email } = claims;
  if (email === undefined) {
    throw missingClaim('email', 'the "email" claim is missing: request the identity token with format=full');
  }
  if (typeof email !== 'string' || !SERVICE_ACCOUNT_EMAIL.test(email.toLowerCase())) {
    throw invalidClaim(
      'email',
      'the "email" claim does not name a service account: Google user ID tokens are not accepted',
    );
  }
}
