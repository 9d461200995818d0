import { jwtRegistrationProblems } from '../jwt/jwt-registration-problems';
import type { RegistrationProblem } from '../platform-adapter';
import type { PlatformRegistration } from '../platform-config';
import { GOOGLE_ISSUER, GOOGLE_SCHEMELESS_ISSUER } from './google-id-token';

/**
 * The JWT registration rules with a URL issuer (Google's keys are found by discovery or a key
 * URL); the scheme-less `accounts.google.com` is refused with a pointer to the https form.
 */
export function gcpRegistrationProblems(
  platform: PlatformRegistration,
  allowHttp: boolean,
): RegistrationProblem[] {
  const problems = jwtRegistrationProblems(platform, allowHttp, { allowNonUrlIssuerWithInlineJwks: false });
  if (platform.issuer !== GOOGLE_SCHEMELESS_ISSUER) return problems;
  return problems.map((problem) =>
    problem.field === 'issuer'
      ? { field: 'issuer', message: `must be ${GOOGLE_ISSUER}: metadata-server tokens carry the https form` }
      : problem,
  );
}
