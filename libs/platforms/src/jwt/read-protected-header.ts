import { decodeProtectedHeader, type ProtectedHeaderParameters } from 'jose';
import { VerificationError } from '../errors/verification-error';
import { ALLOWED_ALGORITHMS } from './allowed-algorithms';

/**
 * Decodes the protected header of a compact JWS and refuses, before any key is looked up, an
 * algorithm outside the allow-list and any `crit` extension (none is supported).
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
  return header;
}
