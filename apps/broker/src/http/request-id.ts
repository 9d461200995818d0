import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The longest incoming `X-Request-Id` adopted. */
export const MAX_REQUEST_ID_LENGTH = 128;

/** Printable ASCII, neither starting nor ending with a space (HTTP trims those anyway). */
const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * The id of a request: its `X-Request-Id` when it carries exactly one, of printable ASCII and at
 * most {@link MAX_REQUEST_ID_LENGTH} characters, so that a caller or a proxy can follow its request
 * into the audit trail and the logs; otherwise a fresh UUID. An id is not unique: it is the caller's.
 */
export function requestIdOf(request: IncomingMessage): string {
  let found: string | undefined;
  let count = 0;
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === 'x-request-id') {
      count += 1;
      found = raw[i + 1];
    }
  }
  if (count === 1 && found !== undefined && found.length <= MAX_REQUEST_ID_LENGTH && PRINTABLE.test(found)) {
    return found;
  }
  return randomUUID();
}
