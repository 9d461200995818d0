import { decodeProtectedHeader, type ProtectedHeaderParameters } from 'jose';
import { VerificationError } from '../errors/verification-error';
import { ALLOWED_ALGORITHMS } from './allowed-algorithms';

/** RFC 9068 §4, RFC 8725 §3.11: an access token must not pass for an identity assertion. */
const ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set(['at+jwt', 'application/at+jwt']);

/**
 * Decodes the protected header of a compact JWS and refuses, before any key is looked up, an
 * algorithm outside the allow-list, any `crit` extension (none is supported) and a `typ` that marks
 * an access token.
 */
export function readProtectedHeader(token: string): ProtectedHeaderParameters {
  if (token.split('.').length !== 3) {
    throw new VerificationError('malformed');
  }
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch (cause) {
    throw new VerificationError('malformed', undefined, { cause });
  }
  if (typeof header.alg !== 'string' || !ALLOWED_ALGORITHMS.includes(header.alg)) {
    throw new VerificationError('algorithm_not_allowed');
  }
  if (header.crit !== undefined) {
    throw new VerificationError('malformed', 'critical header extensions are not supported');
  }
  if (typeof header.typ === 'string' && ACCESS_TOKEN_TYPES.has(header.typ.toLowerCase())) {
    throw new VerificationError('malformed', 'an access token is not a workload identity token');
  }
  return header;
}
