import type { JWTPayload } from 'jose';
import { VerificationError } from '../errors/verification-error';

/**
 * Requires an `aud` that contains at least one accepted audience, and returns it as a list.
 */
export function checkAudience(claims: JWTPayload, accepted: readonly string[]): string[] {
  const { aud } = claims;
  if (aud === undefined) {
    throw new VerificationError('missing_claim', 'the "aud" claim is missing');
  }
  const audience: unknown[] = Array.isArray(aud) ? aud : [aud];
  if (!audience.every((value): value is string => typeof value === 'string' && value !== '')) {
    throw new VerificationError('claim_invalid', 'the "aud" claim is invalid');
  }
  if (audience.length === 0) {
    throw new VerificationError('missing_claim', 'the "aud" claim is empty');
  }
  if (!audience.some((value) => accepted.includes(value))) {
    throw new VerificationError('audience_mismatch');
  }
  return audience;
}
