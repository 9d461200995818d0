import { errors } from 'jose';
import { VerificationError, type VerificationErrorCode } from './verification-error';

function claimFailureCode(error: errors.JWTClaimValidationFailed): VerificationErrorCode {
  if (error.reason === 'missing') {
    return 'missing_claim';
  }
  if (error.reason !== 'check_failed') {
    return 'claim_invalid';
  }
  switch (error.claim) {
    case 'nbf':
      return 'not_yet_valid';
    case 'iat':
      return 'issued_in_future';
    case 'iss':
      return 'issuer_not_trusted';
    case 'aud':
      return 'audience_mismatch';
    default:
      return 'claim_invalid';
  }
}

function codeFor(error: errors.JOSEError): VerificationErrorCode | undefined {
  if (error instanceof errors.JWTExpired) {
    return 'expired';
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return claimFailureCode(error);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return 'algorithm_not_allowed';
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'key_not_found';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return 'signature_invalid';
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return 'malformed';
  }
  if (error instanceof errors.JWKSInvalid || error instanceof errors.JWKInvalid) {
    return 'keys_unavailable';
  }
  return undefined;
}

/**
 * Turns an error thrown during jose verification into a {@link VerificationError}, keeping the
 * original as `cause`. Errors that are neither jose's nor ours are returned unchanged: they are
 * faults, not verdicts.
 */
export function mapJoseError(error: unknown): unknown {
  if (error instanceof VerificationError || !(error instanceof errors.JOSEError)) {
    return error;
  }
  const code = codeFor(error);
  if (code === undefined) return error;
  return new VerificationError(code, claimMessage(error, code), { cause: error });
}

/** Names the claim a missing or mistyped claim refusal is about, for the audit reason. */
function claimMessage(error: errors.JOSEError, code: VerificationErrorCode): string | undefined {
  if (!(error instanceof errors.JWTClaimValidationFailed)) return undefined;
  if (code === 'missing_claim') return `the "${error.claim}" claim is missing`;
  if (code === 'claim_invalid') return `the "${error.claim}" claim has an invalid value`;
  return undefined;
}
