import type { JWSHeaderParameters } from 'jose';
import { VerificationError } from '../errors/verification-error';
import { checkProtectedHeader } from '../jwt/check-protected-header';

/** JWT-SVID §2.1: the only algorithms a JWT-SVID may be signed with (no EdDSA, no HMAC). */
export const JWT_SVID_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
];

/** JWT-SVID §2.3: `typ`, when present, is `JWT` or `JOSE`. */
const JWT_SVID_TYPES: ReadonlySet<unknown> = new Set(['JWT', 'JOSE']);

/**
 * Refuses, before any key is looked up, a header a JWT-SVID cannot have: an algorithm outside
 * JWT-SVID §2.1, a `typ` other than `JWT` or `JOSE` (§2.3), or no `kid`: a JWT-SVID is matched to
 * the bundle key its `kid` names (every JWT-SVID key in a bundle has one, JWT-SVID §6), never by
 * trying each key.
 *
 * @throws {VerificationError} `algorithm_not_allowed` or `malformed`.
 */
export function checkJwtSvidHeader(header: JWSHeaderParameters): void {
  checkProtectedHeader(header, JWT_SVID_ALGORITHMS);
  if (header.typ !== undefined && !JWT_SVID_TYPES.has(header.typ)) {
    throw new VerificationError('malformed', 'the JWT-SVID "typ" header must be JWT or JOSE');
  }
  if (typeof header.kid !== 'string' || header.kid === '') {
    throw new VerificationError('malformed', 'the JWT-SVID header has no "kid"');
  }
}
