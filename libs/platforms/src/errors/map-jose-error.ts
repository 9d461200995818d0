import { errors, type JWSHeaderParameters } from 'jose';
import { invalidClaim, missingClaim } from './claim-errors';
import { describeKey } from './describe-key';
import { showTime, showValue } from './show-value';
import { clockWithSkew, timeError } from './time-errors';
import { VerificationError, verificationMessage } from './verification-error';

/** What the verification that jose refused was looking at, so that the refusal can name it. */
export interface JoseErrorContext {
  header?: JWSHeaderParameters;
  now?: Date;
  clockSkewSeconds?: number;
}

function clock(context: JoseErrorContext): string {
  return context.now === undefined
    ? 'now'
    : `now ${clockWithSkew(context.now, context.clockSkewSeconds ?? 0)}`;
}

function claimFailure(
  error: errors.JWTClaimValidationFailed | errors.JWTExpired,
  context: JoseErrorContext,
): VerificationError | undefined {
  const { claim, reason, payload } = error;
  const value = (payload as Record<string, unknown>)[claim];
  if (reason === 'missing') return missingClaim(claim);
  if (error instanceof errors.JWTExpired) {
    return timeError('expired', `${claim} ${showTime(value)} is not after ${clock(context)}`);
  }
  if (reason !== 'check_failed')
    return invalidClaim(claim, `the "${claim}" claim is invalid: ${error.message}`);
  switch (claim) {
    case 'nbf':
      return timeError('not_yet_valid', `nbf ${showTime(value)} is after ${clock(context)}`);
    case 'iat':
      return timeError('issued_in_future', `iat ${showTime(value)} is after ${clock(context)}`);
    case 'iss':
      return new VerificationError(
        'issuer_not_trusted',
        verificationMessage('issuer_not_trusted', `the "iss" claim ${showValue(value)} is not accepted`),
      );
    case 'aud':
      return new VerificationError(
        'audience_mismatch',
        verificationMessage('audience_mismatch', `the "aud" claim ${showValue(value)} is not accepted`),
      );
    default:
      return invalidClaim(claim, `the "${claim}" claim is invalid: ${error.message}`);
  }
}

function verdictFor(error: errors.JOSEError, context: JoseErrorContext): VerificationError | undefined {
  if (error instanceof errors.JWTExpired || error instanceof errors.JWTClaimValidationFailed) {
    return claimFailure(error, context);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    const alg = context.header?.alg;
    return new VerificationError(
      'algorithm_not_allowed',
      alg === undefined ? undefined : verificationMessage('algorithm_not_allowed', `alg ${showValue(alg)}`),
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new VerificationError(
      'key_not_found',
      verificationMessage('key_not_found', describeKey(context.header)),
    );
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return new VerificationError(
      'key_not_found',
      `several keys of the platform match ${describeKey(context.header)}, so none is chosen`,
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new VerificationError(
      'signature_invalid',
      verificationMessage(
        'signature_invalid',
        `it does not verify with the key of ${describeKey(context.header)}`,
      ),
    );
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new VerificationError('malformed', verificationMessage('malformed', error.message));
  }
  if (error instanceof errors.JWKSInvalid || error instanceof errors.JWKInvalid) {
    return new VerificationError('keys_unavailable');
  }
  return undefined;
}

/**
 * Turns an error thrown during jose verification into a {@link VerificationError} naming what failed
 * (the claim and its time against the clock, the key id), keeping the original as `cause`. Errors
 * that are neither jose's nor ours are returned unchanged: they are faults, not verdicts.
 */
export function mapJoseError(error: unknown, context: JoseErrorContext = {}): unknown {
  if (error instanceof VerificationError || !(error instanceof errors.JOSEError)) {
    return error;
  }
  const verdict = verdictFor(error, context);
  if (verdict === undefined) return error;
  return new VerificationError(verdict.code, verdict.message, {
    cause: error,
    ...(verdict.publicDetail === undefined ? {} : { publicDetail: verdict.publicDetail }),
  });
}
