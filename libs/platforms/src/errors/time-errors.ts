import { showClock } from './show-value';
import { VerificationError, verificationMessage } from './verification-error';

/** `2026-01-01T00:00:00Z (clock skew 60 s)`: the clock a time claim was checked against. */
export function clockWithSkew(now: Date, clockSkewSeconds: number): string {
  return `${showClock(now)} (clock skew ${clockSkewSeconds} s)`;
}

/**
 * A refusal over times: `lead` (by default the code's own message), then `detail`, which names the
 * times and the clock. Times are not secrets, so the client is told the detail too.
 */
export function timeError(
  code: 'expired' | 'not_yet_valid' | 'issued_in_future' | 'lifetime_too_long',
  detail: string,
  lead?: string,
): VerificationError {
  const message = lead === undefined ? verificationMessage(code, detail) : `${lead}: ${detail}`;
  return new VerificationError(code, message, { publicDetail: detail });
}
