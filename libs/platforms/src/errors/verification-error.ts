/** Every reason a platform credential can be refused. */
export const VERIFICATION_ERROR_CODES = [
  'malformed',
  'issuer_not_trusted',
  'algorithm_not_allowed',
  'key_not_found',
  'keys_unavailable',
  'signature_invalid',
  'expired',
  'not_yet_valid',
  'issued_in_future',
  'audience_mismatch',
  'lifetime_too_long',
  'missing_claim',
  'legacy_token',
  'claim_invalid',
  'verifier_unavailable',
] as const;

/** Why a platform credential was refused: a closed set. */
export type VerificationErrorCode = (typeof VERIFICATION_ERROR_CODES)[number];

const DEFAULT_MESSAGES: Record<VerificationErrorCode, string> = {
  malformed: 'the credential is not a well-formed JWT',
  issuer_not_trusted: 'the issuer is not trusted',
  algorithm_not_allowed: 'the signing algorithm is not allowed',
  key_not_found: 'no key of the platform matches the token',
  keys_unavailable: "the platform's keys are unavailable",
  signature_invalid: 'the signature is invalid',
  expired: 'the token has expired',
  not_yet_valid: 'the token is not yet valid',
  issued_in_future: 'the token was issued in the future',
  audience_mismatch: 'the audience is not accepted',
  lifetime_too_long: "the token's lifetime exceeds the platform's limit",
  missing_claim: 'a required claim is missing',
  legacy_token: 'legacy tokens are not accepted',
  claim_invalid: 'a claim has an invalid value',
  verifier_unavailable: "the platform's verifier cannot be reached",
};

/** Codes that say the credential could not be checked now, not that it is bad: retry later (503). */
export const RETRYABLE_VERIFICATION_ERRORS: ReadonlySet<VerificationErrorCode> = new Set([
  'keys_unavailable',
  'verifier_unavailable',
]);

/**
 * A platform credential was refused. The message names the category (and at most a claim name),
 * never the token or key material; the underlying error, if any, is kept in `cause`.
 */
export class VerificationError extends Error {
  override readonly name = 'VerificationError';
  readonly code: VerificationErrorCode;

  constructor(code: VerificationErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? DEFAULT_MESSAGES[code], options);
    this.code = code;
  }
}

/** Whether `error` is a {@link VerificationError}, optionally with the given code. */
export function isVerificationError(
  error: unknown,
  code?: VerificationErrorCode,
): error is VerificationError {
  return error instanceof VerificationError && (code === undefined || error.code === code);
}
