import { truncate } from './show-value';

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

/** The longest message and public detail kept: a few values, each bounded by `showValue`. */
export const MAX_VERIFICATION_MESSAGE_LENGTH = 1024;

/** What a refusal may carry besides its message. */
export interface VerificationErrorOptions {
  cause?: unknown;
  /**
   * What the client may be told beyond the category: an audience, a time, a claim's name. Never
   * other token contents (issuer, subject, key id) and never key material.
   */
  publicDetail?: string;
}

/**
 * A platform credential was refused. The message names the cause with the values at fault, bounded
 * (the claim and its value, the times and the clock, the key id, the issuer found and expected), for
 * the audit event and explain; never a whole token or key material. `publicDetail` is the part the
 * client may see too. The underlying error, if any, is kept in `cause`.
 */
export class VerificationError extends Error {
  override readonly name = 'VerificationError';
  readonly code: VerificationErrorCode;
  readonly publicDetail: string | undefined;

  constructor(code: VerificationErrorCode, message?: string, options: VerificationErrorOptions = {}) {
    super(
      truncate(message ?? DEFAULT_MESSAGES[code], MAX_VERIFICATION_MESSAGE_LENGTH),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.publicDetail =
      options.publicDetail === undefined
        ? undefined
        : truncate(options.publicDetail, MAX_VERIFICATION_MESSAGE_LENGTH);
  }
}

/** The default message of `code` followed by `detail`: the category, then the values at fault. */
export function verificationMessage(code: VerificationErrorCode, detail: string): string {
  return `${DEFAULT_MESSAGES[code]}: ${detail}`;
}

/** Whether `error` is a {@link VerificationError}, optionally with the given code. */
export function isVerificationError(
  error: unknown,
  code?: VerificationErrorCode,
): error is VerificationError {
  return error instanceof VerificationError && (code === undefined || error.code === code);
}
