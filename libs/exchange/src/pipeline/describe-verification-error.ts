import type { VerificationError } from '@fedbroker/platforms';

function category(error: VerificationError): string {
  switch (error.code) {
    case 'malformed':
      return 'the credential is malformed';
    case 'issuer_not_trusted':
      return 'the credential issuer is not trusted';
    case 'algorithm_not_allowed':
      return 'the credential algorithm is not allowed';
    case 'key_not_found':
      return 'the credential signing key is unknown';
    case 'signature_invalid':
      return 'the credential signature does not verify';
    case 'keys_unavailable':
      return "the issuer's keys are unavailable; retry later";
    case 'verifier_unavailable':
      return "the platform's verifier cannot be reached; retry later";
    case 'expired':
      return 'the credential has expired';
    case 'not_yet_valid':
    case 'issued_in_future':
      return 'the credential is not yet valid';
    case 'audience_mismatch':
      return 'the credential audience is not accepted';
    case 'lifetime_too_long':
      return 'the credential lifetime is too long';
    case 'legacy_token':
      return 'legacy tokens are not accepted';
    case 'missing_claim':
      return 'the credential lacks a required claim';
    case 'claim_invalid':
      return 'the credential has an invalid claim';
  }
}

/**
 * What a client is told: the category, then what the refusal allows it to see (an audience, a time,
 * a claim's name). The full reason goes to the audit event.
 */
export function describeVerificationError(error: VerificationError): string {
  const detail = error.publicDetail;
  return detail === undefined ? category(error) : `${category(error)}: ${detail}`;
}
