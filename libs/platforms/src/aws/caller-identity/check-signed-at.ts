import { VerificationError } from '../../errors/verification-error';

/**
 * Refuses a signed request older than `maxAgeSeconds` or dated in the future, each beyond
 * `skewSeconds`: a signed request never expires by itself, only STS's 15-minute window bounds it.
 */
export function checkSignedAt(signedAt: number, now: Date, maxAgeSeconds: number, skewSeconds: number): void {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (nowSeconds - signedAt > maxAgeSeconds + skewSeconds) {
    throw new VerificationError('expired', `the request was signed more than ${maxAgeSeconds} s ago`);
  }
  if (signedAt - nowSeconds > skewSeconds) {
    throw new VerificationError('issued_in_future', 'the request is signed with a date in the future');
  }
}
