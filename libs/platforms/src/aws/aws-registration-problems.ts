import { jwtRegistrationProblems } from '../jwt/jwt-registration-problems';
import type { RegistrationProblem } from '../platform-adapter';
import type { PlatformRegistration } from '../platform-config';
import type { AwsSettings } from './aws-settings.schema';

/**
 * The registration rules of an `aws` platform. With web identity tokens, those of every JWT kind
 * (an https issuer, one key source, public keys…). Without, the issuer is only a label and there
 * are no keys to give; audiences and clock skew are checked either way.
 */
export function awsRegistrationProblems(
  platform: PlatformRegistration,
  settings: AwsSettings,
  allowHttp: boolean,
): RegistrationProblem[] {
  const acceptsJwt = settings.credentials.includes('web-identity-token');
  const problems = jwtRegistrationProblems(platform, allowHttp, { allowNonUrlIssuerWithInlineJwks: false });
  if (acceptsJwt) return problems;
  const unused = (['jwks', 'jwksUri', 'caBundle'] as const)
    .filter((field) => platform[field] !== undefined)
    .map((field) => ({
      field,
      message: 'is only used for web identity tokens, which this platform does not accept',
    }));
  const issuer =
    platform.issuer.trim() === '' || platform.issuer !== platform.issuer.trim()
      ? [{ field: 'issuer', message: 'must be a non-empty string without surrounding spaces' }]
      : [];
  return [
    ...issuer,
    ...unused,
    ...problems.filter(
      (problem) => !['issuer', 'jwks', 'jwksUri', 'caBundle'].includes(problem.field.split('.')[0] ?? ''),
    ),
  ];
}
