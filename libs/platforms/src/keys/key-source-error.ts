/**
 * A platform's keys could not be obtained: the endpoint failed, timed out, answered too much or
 * answered something other than what was expected. The message names the URL and the failure,
 * never key material.
 */
export class KeySourceError extends Error {
  override readonly name = 'KeySourceError';
}
