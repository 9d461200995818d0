import { JwtPlatformAdapter } from '../jwt/jwt-platform-adapter';
import { issuerRoutes, locateByIssuer } from '../routing/locate-by-issuer';
import { GCP_IDENTITY_FIELDS, GCP_IDENTITY_PINS } from './gcp-identity-fields';
import { gcpRegistrationProblems } from './gcp-registration-problems';
import { DEFAULT_GCP_MAX_TOKEN_LIFETIME_SECONDS, gcpSettingsSchema } from './gcp-settings.schema';
import { GOOGLE_ID_TOKEN_ALGORITHMS } from './google-id-token';
import { normalizeGcpIdentity } from './normalize-gcp-identity';
import { readComputeEngineClaims } from './read-compute-engine-claims';
import { readServiceAccountClaims } from './read-service-account-claims';
import { refuseGoogleUserToken } from './refuse-google-user-token';

/**
 * Google Cloud service-account identity tokens: the RS256 JWTs the metadata server issues
 * (`…/service-accounts/default/identity?audience=…&format=full`), issuer
 * `https://accounts.google.com`, keys by OIDC discovery at the issuer. The service account is
 * known by its numeric unique ID (`sub`); a `format=full` token from Compute Engine adds the
 * instance. Google user ID tokens from the same issuer are refused. Found by exact issuer: one
 * platform per issuer, and policies tell projects and accounts apart. The instance listed in
 * `defaultAdapters`.
 */
export const gcpAdapter = new JwtPlatformAdapter({
  kind: 'gcp',
  settingsSchema: gcpSettingsSchema,
  identityFields: GCP_IDENTITY_FIELDS,
  identityPins: GCP_IDENTITY_PINS,
  defaultMaxTokenLifetimeSeconds: DEFAULT_GCP_MAX_TOKEN_LIFETIME_SECONDS,
  registrationProblems: gcpRegistrationProblems,
  routeKeys: issuerRoutes,
  locate: locateByIssuer,
  algorithms: GOOGLE_ID_TOKEN_ALGORITHMS,
  inspect: refuseGoogleUserToken,
  identity: (platform, jwt) =>
    normalizeGcpIdentity(
      platform,
      jwt,
      readServiceAccountClaims(jwt.claims),
      readComputeEngineClaims(jwt.claims),
    ),
});
