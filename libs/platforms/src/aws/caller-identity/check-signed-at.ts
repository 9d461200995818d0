import { showTime } from '../../errors/show-value';
import { clockWithSkew, timeError } from '../../errors/time-errors';

/**
 * Refuses a signed request older than `maxAgeSeconds` or dated in the future, each beyond
 * `skewSeconds`: a signed request never expires by itself, only STS's 15-minute window bounds it.
 */
export function checkSignedAt(signedAt: number, now: Date, maxAgeSeconds: number, skewSeconds: number): void {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const clock = `now ${clockWithSkew(now, skewSeconds)}`;
  if (nowSeconds - signedAt > maxAgeSeconds + skewSeconds) {
    throw timeError(
      'expired',
      `X-Amz-Date ${showTime(signedAt)} is more than ${maxAgeSeconds} s before ${clock}`,
      `the request was signed more than ${maxAgeSeconds} s ago`,
    );
  }
  if (signedAt - nowSeconds > skewSeconds) {
    throw timeError(
      'issued_in_future',
      `X-Amz-Date ${showTime(signedAt)} is after ${clock}`,
      'the request is signed with a date in the future',
    );
  }
}
