import { VerificationError } from '../../errors/verification-error';
import type { AttestedClaims } from './read-attested-claims';

/**
 * Checks a document's `timeStamp` at `now`: created no later than the clock skew ahead, not
 * expired beyond it, and at most `maxAgeSeconds` old. Returns the last second it is acceptable.
 *
 * @throws {VerificationError} `issued_in_future`, `expired` or `claim_invalid`.
 */
export function checkAttestedTimes(
  claims: Pick<AttestedClaims, 'createdOn' | 'expiresOn'>,
  now: Date,
  clockSkewSeconds: number,
  maxAgeSeconds: number,
): number {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const { createdOn, expiresOn } = claims;
  if (expiresOn <= createdOn) {
    throw new VerificationError('claim_invalid', 'the document expires before it was created');
  }
  if (createdOn > nowSeconds + clockSkewSeconds) {
    throw new VerificationError('issued_in_future', 'the document was created in the future');
  }
  if (nowSeconds > expiresOn + clockSkewSeconds) {
    throw new VerificationError('expired', 'the document has expired');
  }
  if (nowSeconds - createdOn > maxAgeSeconds) {
    throw new VerificationError('expired', `the document is older than ${maxAgeSeconds} s`);
  }
  return Math.min(expiresOn, createdOn + maxAgeSeconds);
}
