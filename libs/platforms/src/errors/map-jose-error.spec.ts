import { errors } from 'jose';
import { describe, expect, it } from 'vitest';
import { mapJoseError } from './map-jose-error';
import { VerificationError } from './verification-error';

const claims = {};

describe('mapJoseError', () => {
  it.each([
    [new errors.JWTExpired('x', claims, 'exp', 'check_failed'), 'expired'],
    [new errors.JWTClaimValidationFailed('x', claims, 'nbf', 'check_failed'), 'not_yet_valid'],
    [new errors.JWTClaimValidationFailed('x', claims, 'iat', 'check_failed'), 'issued_in_future'],
    [new errors.JWTClaimValidationFailed('x', claims, 'iss', 'check_failed'), 'issuer_not_trusted'],
    [new errors.JWTClaimValidationFailed('x', claims, 'aud', 'check_failed'), 'audience_mismatch'],
    [new errors.JWTClaimValidationFailed('x', claims, 'aud', 'missing'), 'missing_claim'],
    [new errors.JWTClaimValidationFailed('x', claims, 'nbf', 'invalid'), 'claim_invalid'],
    [new errors.JOSEAlgNotAllowed(), 'algorithm_not_allowed'],
    [new errors.JOSENotSupported(), 'algorithm_not_allowed'],
    [new errors.JWKSNoMatchingKey(), 'key_not_found'],
    [new errors.JWKSMultipleMatchingKeys(), 'key_not_found'],
    [new errors.JWSSignatureVerificationFailed(), 'signature_invalid'],
    [new errors.JWSInvalid(), 'malformed'],
    [new errors.JWTInvalid(), 'malformed'],
    [new errors.JWKSInvalid(), 'keys_unavailable'],
  ])('maps %s to %s, keeping the cause', (error, code) => {
    const mapped = mapJoseError(error);
    expect(mapped).toBeInstanceOf(VerificationError);
    expect(mapped).toMatchObject({ code, cause: error });
  });

  it.each([
    [
      new errors.JWTClaimValidationFailed('x', claims, 'exp', 'invalid'),
      'the "exp" claim has an invalid value',
    ],
    [new errors.JWTClaimValidationFailed('x', claims, 'aud', 'missing'), 'the "aud" claim is missing'],
  ])('names the claim of a missing or invalid claim: %s', (error, message) => {
    expect(mapJoseError(error)).toMatchObject({ message });
  });

  it('returns other errors unchanged', () => {
    const fault = new TypeError('a bug');
    expect(mapJoseError(fault)).toBe(fault);
    const verdict = new VerificationError('expired');
    expect(mapJoseError(verdict)).toBe(verdict);
  });
});
