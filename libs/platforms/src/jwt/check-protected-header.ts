import type { JWSHeaderParameters } from 'jose';
import { showValue } from '../errors/show-value';
import { VerificationError, verificationMessage } from '../errors/verification-error';

/** RFC 9068 §4, RFC 8725 §3.11: an access token must not pass for an identity assertion. */
const ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set(['at+jwt', 'application/at+jwt']);

/**
 * Refuses, before any key is looked up, an algorithm outside `algorithms`, any `crit` extension
 * (none is supported) and a `typ` that marks an access token. Header keys (`jwk`, `jku`, `x5u`,
 * `x5c`) are never used: keys come from the platform's registered source only.
 */
export function checkProtectedHeader(
  header: JWSHeaderParameters,
  algorithms: readonly string[],
): JWSHeaderParameters {
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    throw new VerificationError(
      'algorithm_not_allowed',
      verificationMessage(
        'algorithm_not_allowed',
        `alg ${showValue(header.alg)} is not one of ${algorithms.join(', ')}`,
      ),
    );
  }
  if (header.crit !== undefined) {
    throw new VerificationError('malformed', 'critical header extensions are not supported');
  }
  if (typeof header.typ === 'string' && ACCESS_TOKEN_TYPES.has(header.typ.toLowerCase())) {
    throw new VerificationError('malformed', 'an access token is not a workload identity token');
  }
  return header;
}
