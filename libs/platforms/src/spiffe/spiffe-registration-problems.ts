import { jwtRegistrationProblems } from '../jwt/jwt-registration-problems';
import { isSpiffeBundle } from '../keys/parse-spiffe-bundle';
import { urlProblem } from '../keys/url-policy';
import type { RegistrationProblem } from '../platform-adapter';
import type { PlatformRegistration } from '../platform-config';
import { hasSpiffeScheme, trustDomainId } from './spiffe-id';
import { spiffeSettingsSchema, type SpiffeSettings } from './spiffe-settings.schema';

const ISSUER_FORMS =
  "the trust domain's SPIFFE ID (spiffe://<trustDomain>) or the https URL of its OIDC issuer";

function issuerProblems(
  p: PlatformRegistration,
  settings: SpiffeSettings | undefined,
  allowHttp: boolean,
): RegistrationProblem[] {
  if (p.issuer.trim() === '' || p.issuer !== p.issuer.trim()) {
    return [{ field: 'issuer', message: 'must be a non-empty string without surrounding spaces' }];
  }
  if (!hasSpiffeScheme(p.issuer)) {
    const problem = urlProblem(p.issuer, allowHttp);
    return problem === undefined ? [] : [{ field: 'issuer', message: `must be ${ISSUER_FORMS}: ${problem}` }];
  }
  if (settings !== undefined && p.issuer !== trustDomainId(settings.trustDomain)) {
    return [{ field: 'issuer', message: `must be ${ISSUER_FORMS}` }];
  }
  const hasKeys =
    p.jwks !== undefined || p.jwksUri !== undefined || settings?.bundleEndpointUrl !== undefined;
  if (settings !== undefined && !hasKeys) {
    return [
      {
        field: 'issuer',
        message: 'a spiffe:// issuer has no discovery: give jwks, jwksUri or settings.bundleEndpointUrl',
      },
    ];
  }
  return [];
}

function bundleEndpointProblems(
  p: PlatformRegistration,
  settings: SpiffeSettings | undefined,
  allowHttp: boolean,
): RegistrationProblem[] {
  const url = settings?.bundleEndpointUrl;
  if (url === undefined) return [];
  const field = 'settings.bundleEndpointUrl';
  if (p.jwks !== undefined || p.jwksUri !== undefined) {
    return [{ field, message: 'give one key source: jwks, jwksUri or settings.bundleEndpointUrl' }];
  }
  const problem = urlProblem(url, allowHttp);
  return problem === undefined ? [] : [{ field, message: problem }];
}

/** A JWT-SVID is matched to its key by `kid` (JWT-SVID §6), so a key without one could never verify it. */
function keyIdProblems(p: PlatformRegistration): RegistrationProblem[] {
  if (p.jwks === undefined || !Array.isArray(p.jwks.keys)) return [];
  const bundle = isSpiffeBundle(p.jwks);
  return p.jwks.keys.flatMap((key, index): RegistrationProblem[] => {
    const verifiesJwtSvids = bundle ? key.use === 'jwt-svid' : true;
    if (!verifiesJwtSvids || (typeof key.kid === 'string' && key.kid !== '')) return [];
    return [{ field: `jwks.keys.${index}`, message: 'must have a kid: JWT-SVIDs name their signing key' }];
  });
}

/**
 * The registration rules of a SPIFFE platform: the JWT rules every kind shares, an issuer that is
 * the trust domain's SPIFFE ID (keys then from a static bundle, the bundle endpoint or a
 * `jwksUri`) or an https issuer URL (its OIDC discovery, unless keys are given), exactly one key
 * source, and keys that can verify JWT-SVIDs. `settings` themselves are checked by the schema.
 */
export function spiffeRegistrationProblems(
  platform: PlatformRegistration,
  allowHttp: boolean,
): RegistrationProblem[] {
  const parsed = spiffeSettingsSchema.safeParse(platform.settings);
  const settings = parsed.success ? parsed.data : undefined;
  const shared = jwtRegistrationProblems(platform, allowHttp, { allowNonUrlIssuerWithInlineJwks: false });
  return [
    ...issuerProblems(platform, settings, allowHttp),
    ...shared.filter((problem) => problem.field !== 'issuer'),
    ...bundleEndpointProblems(platform, settings, allowHttp),
    ...keyIdProblems(platform),
  ];
}
