import { VerificationError } from './verification-error';

/**
 * A required claim (or document member, or signed header) is absent. The client is told its name;
 * `message` is the full reason, `the "<name>" claim is missing` by default.
 */
export function missingClaim(name: string, message = `the "${name}" claim is missing`): VerificationError {
  return new VerificationError('missing_claim', message, { publicDetail: `"${name}"` });
}

/**
 * A claim (or document member, or signed header) has the wrong type or value. The client is told its
 * name; `message` is the full reason, `the "<name>" claim is invalid` by default.
 */
export function invalidClaim(name: string, message = `the "${name}" claim is invalid`): VerificationError {
  return new VerificationError('claim_invalid', message, { publicDetail: `"${name}"` });
}
