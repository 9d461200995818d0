import { invalidClaim } from '../../errors/claim-errors';
import { showTime } from '../../errors/show-value';
import { clockWithSkew, timeError } from '../../errors/time-errors';
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
  const clock = `now ${clockWithSkew(now, clockSkewSeconds)}`;
  if (expiresOn <= createdOn) {
    throw invalidClaim(
      'timeStamp',
      `the document expires before it was created: expiresOn ${showTime(expiresOn)}, createdOn ${showTime(createdOn)}`,
    );
  }
  if (createdOn > nowSeconds + clockSkewSeconds) {
    throw timeError(
      'issued_in_future',
      `timeStamp.createdOn ${showTime(createdOn)} is after ${clock}`,
      'the document was created in the future',
    );
  }
  if (nowSeconds > expiresOn + clockSkewSeconds) {
    throw timeError(
      'expired',
      `timeStamp.expiresOn ${showTime(expiresOn)} is before ${clock}`,
      'the document has expired',
    );
  }
  if (nowSeconds - createdOn > maxAgeSeconds) {
    throw timeError(
      'expired',
      `timeStamp.createdOn ${showTime(createdOn)} is more than ${maxAgeSeconds} s before ${clock}`,
      `the document is older than ${maxAgeSeconds} s`,
    );
  }
  return Math.min(expiresOn, createdOn + maxAgeSeconds);
}
