import type { JWTPayload } from 'jose';
import { invalidClaim, missingClaim } from '../errors/claim-errors';
import { showValues } from '../errors/show-value';
import { VerificationError, verificationMessage } from '../errors/verification-error';

/**
 * Requires an `aud` that contains at least one accepted audience, and returns it as a list. A
 * mismatch names both lists (bounded), which the client may see: audiences are not secrets.
 */
export function checkAudience(claims: JWTPayload, accepted: readonly string[]): string[] {
  const { aud } = claims;
  if (aud === undefined) throw missingClaim('aud');
  const audience: unknown[] = Array.isArray(aud) ? aud : [aud];
  if (!audience.every((value): value is string => typeof value === 'string' && value !== '')) {
    throw invalidClaim('aud', 'the "aud" claim is not a non-empty string or a list of them');
  }
  if (audience.length === 0) throw missingClaim('aud', 'the "aud" claim is empty');
  if (!audience.some((value) => accepted.includes(value))) {
    const detail = `aud ${showValues(audience)} names none of the accepted audiences ${showValues(accepted)}`;
    throw new VerificationError('audience_mismatch', verificationMessage('audience_mismatch', detail), {
      publicDetail: detail,
    });
  }
  return audience;
}
