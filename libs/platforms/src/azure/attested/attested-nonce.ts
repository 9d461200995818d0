import { invalidClaim } from '../../errors/claim-errors';
import { showTime } from '../../errors/show-value';
import { clockWithSkew, timeError } from '../../errors/time-errors';

/** What a nonce check knows besides the nonce. */
export interface NonceCheckContext {
  now: Date;
  /** The platform's `settings.attestedDocuments.maxAgeSeconds`. */
  maxAgeSeconds: number;
  clockSkewSeconds: number;
}

/**
 * Decides whether a document's nonce ties it to this moment. Returns the last second (since the
 * epoch) the nonce keeps the document acceptable, when it bounds it.
 *
 * @throws {VerificationError} when the nonce is refused.
 */
export type AttestedNonceCheck = (nonce: string, ctx: NonceCheckContext) => { acceptableUntil?: number };

const UNIX_SECONDS = /^\d{10}$/;

/**
 * The default check: the workload asks IMDS with the current Unix time in seconds as its nonce (ten
 * digits, the form IMDS documents for it), and the broker accepts it from `maxAgeSeconds` ago to
 * `clockSkewSeconds` ahead. A document is so usable only shortly after it was asked for; that it is
 * used once is the replay guard's work (see the adapter's replay key).
 */
export const recentUnixTimeNonce: AttestedNonceCheck = (nonce, { now, maxAgeSeconds, clockSkewSeconds }) => {
  if (!UNIX_SECONDS.test(nonce)) {
    throw invalidClaim('nonce', 'the nonce is not a Unix time in seconds (10 digits)');
  }
  const askedAt = Number(nonce);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const clock = `now ${clockWithSkew(now, clockSkewSeconds)}`;
  if (askedAt > nowSeconds + clockSkewSeconds) {
    throw timeError(
      'not_yet_valid',
      `the nonce ${showTime(askedAt)} is after ${clock}`,
      'the nonce is a time in the future',
    );
  }
  if (nowSeconds - askedAt > maxAgeSeconds) {
    throw timeError(
      'expired',
      `the nonce ${showTime(askedAt)} is more than ${maxAgeSeconds} s before ${clock}`,
      `the nonce is older than ${maxAgeSeconds} s`,
    );
  }
  return { acceptableUntil: askedAt + maxAgeSeconds };
};

/** A check for a nonce the caller handed out itself (a challenge): the document must carry exactly it. */
export function expectNonce(expected: string): AttestedNonceCheck {
  return (nonce) => {
    if (nonce !== expected) {
      throw invalidClaim('nonce', 'the nonce is not the expected one');
    }
    return {};
  };
}
