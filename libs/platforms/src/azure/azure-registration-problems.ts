import { jwtRegistrationProblems } from '../jwt/jwt-registration-problems';
import type { RegistrationProblem } from '../platform-adapter';
import type { PlatformRegistration } from '../platform-config';
import { azureSettingsSchema } from './azure-settings.schema';
import {
  defaultKeysUri,
  isPublicCloudIssuer,
  parseTenantIssuer,
  PUBLIC_V1_ORIGIN,
  PUBLIC_V2_ORIGIN,
} from './entra-issuers';

function issuerProblem(issuer: string, tenantId: string): string | undefined {
  const parsed = parseTenantIssuer(issuer);
  const forms = `${PUBLIC_V1_ORIGIN}/${tenantId}/ or ${PUBLIC_V2_ORIGIN}/${tenantId}/v2.0`;
  if (parsed === undefined) return `must be the tenant's issuer, ${forms}`;
  if (parsed.tenantId !== tenantId) return `must name the tenant of settings.tenantId: ${forms}`;
  const onPublicHost = [PUBLIC_V1_ORIGIN, PUBLIC_V2_ORIGIN].includes(parsed.origin);
  if (onPublicHost && !isPublicCloudIssuer(parsed)) return `must be ${forms}`;
  return undefined;
}

/**
 * The JWT registration rules (issuer URL, one key source, public keys, audiences, clock skew), and:
 * the issuer is one of the two forms of `settings.tenantId`, and keys can be found (a v1 issuer
 * outside the global cloud needs `jwks` or `jwksUri`). Settings themselves are checked by the
 * schema; their problems are not repeated here.
 */
export function azureRegistrationProblems(
  platform: PlatformRegistration,
  allowHttp: boolean,
): RegistrationProblem[] {
  const problems = jwtRegistrationProblems(platform, allowHttp, { allowNonUrlIssuerWithInlineJwks: false });
  const settings = azureSettingsSchema.safeParse(platform.settings);
  if (!settings.success || problems.some((problem) => problem.field === 'issuer')) return problems;
  const message = issuerProblem(platform.issuer, settings.data.tenantId);
  if (message !== undefined) return [...problems, { field: 'issuer', message }];
  const hasKeys = platform.jwks !== undefined || platform.jwksUri !== undefined;
  if (!hasKeys && defaultKeysUri(platform.issuer) === undefined) {
    problems.push({
      field: 'jwksUri',
      message: 'is required for a v1 issuer outside the global Azure cloud',
    });
  }
  return problems;
}
