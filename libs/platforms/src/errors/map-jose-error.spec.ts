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

  const context = {
    header: { alg: 'ES256', kid: 'k1' },
    now: new Date(1_767_225_600_000),
    clockSkewSeconds: 30,
  };
  const times = { exp: 1_767_225_500, nbf: 1_767_225_700 };

  it.each([
    [
      new errors.JWTExpired('x', times, 'exp', 'check_failed'),
      'the token has expired: exp 2025-12-31T23:58:20Z (1767225500) is not after now 2026-01-01T00:00:00Z (clock skew 30 s)',
    ],
    [
      new errors.JWTClaimValidationFailed('x', times, 'nbf', 'check_failed'),
      'the token is not yet valid: nbf 2026-01-01T00:01:40Z (1767225700) is after now 2026-01-01T00:00:00Z (clock skew 30 s)',
    ],
    [
      new errors.JWTClaimValidationFailed('"jti" claim must be a string', {}, 'jti', 'invalid'),
      'the "jti" claim is invalid: "jti" claim must be a string',
    ],
    [new errors.JWTClaimValidationFailed('x', {}, 'sub', 'missing'), 'the "sub" claim is missing'],
    [new errors.JWKSNoMatchingKey(), 'no key of the platform matches the token: kid "k1" (alg "ES256")'],
    [
      new errors.JWKSMultipleMatchingKeys(),
      'several keys of the platform match kid "k1" (alg "ES256"), so none is chosen',
    ],
    [
      new errors.JWSSignatureVerificationFailed(),
      'the signature is invalid: it does not verify with the key of kid "k1" (alg "ES256")',
    ],
  ])('names what failed in %s', (error, message) => {
    expect(mapJoseError(error, context)).toMatchObject({ message, cause: error });
  });

  it.each([
    [new errors.JWTExpired('x', times, 'exp', 'check_failed'), /^exp 2025-12-31T23:58:20Z/],
    [new errors.JWTClaimValidationFailed('x', {}, 'sub', 'missing'), /^"sub"$/],
    [new errors.JWKSNoMatchingKey(), undefined],
  ])('lets the client see times and claim names, never key ids (%s)', (error, publicDetail) => {
    const mapped = mapJoseError(error, context) as VerificationError;
    if (publicDetail === undefined) expect(mapped.publicDetail).toBeUndefined();
    else expect(mapped.publicDetail).toMatch(publicDetail);
  });

  it('returns other errors unchanged', () => {
    const fault = new TypeError('a bug');
    expect(mapJoseError(fault)).toBe(fault);
    const verdict = new VerificationError('expired');
    expect(mapJoseError(verdict)).toBe(verdict);
  });
});
