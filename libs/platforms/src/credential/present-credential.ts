import { VerificationError } from '../errors/verification-error';
import { decodeCompactJws } from './decode-compact-jws';
import type { PresentedCredential } from './presented-credential';

/** Longest credential accepted, matching the `/token` limit. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * Decodes a credential once for the whole request. `isJwtType` says whether its token type is one
 * of the JWT types, which must then be a well-formed compact JWS.
 *
 * @throws {VerificationError} `malformed`.
 */
export function presentCredential(token: string, type: string, isJwtType: boolean): PresentedCredential {
  if (token.length > MAX_TOKEN_LENGTH) {
    const message = `the credential is too long: over ${MAX_TOKEN_LENGTH} characters`;
    throw new VerificationError('malformed', message, { publicDetail: message });
  }
  return { token, type, jwt: isJwtType ? decodeCompactJws(token) : undefined };
}
