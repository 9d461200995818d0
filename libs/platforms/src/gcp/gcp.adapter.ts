import type { PresentedCredential } from '../credential/presented-credential';
import { verifiedJwtCredential } from '../credential/verified-jwt-credential';
import type { VerifiedCredential } from '../identity';
import { verifyPlatformJwt } from '../jwt/verify-platform-jwt';
import { jwtKeySource, type KeySource } from '../keys/key-source';
import type { PlatformAdapter, RegistrationProblem, VerifyContext } from '../platform-adapter';
import type { PlatformConfig, PlatformRegistration } from '../platform-config';
import { issuerRoutes, locateByIssuer } from '../routing/locate-by-issuer';
import { settingsReader } from '../settings/settings-reader';
import { GCP_IDENTITY_FIELDS, GCP_IDENTITY_PINS } from './gcp-identity-fields';
import { gcpRegistrationProblems } from './gcp-registration-problems';
import {
  DEFAULT_GCP_MAX_TOKEN_LIFETIME_SECONDS,
  gcpSettingsSchema,
  type GcpSettings,
} from './gcp-settings.schema';
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
 * platform per issuer, and policies tell projects and accounts apart.
 */
export class GcpAdapter implements PlatformAdapter<GcpSettings> {
  readonly kind = 'gcp' as const;
  readonly settingsSchema = gcpSettingsSchema;
  readonly settings = settingsReader(gcpSettingsSchema);
  readonly extraTokenTypes: readonly string[] = [];
  readonly acceptsJwt = true;
  readonly identityFields = GCP_IDENTITY_FIELDS;
  readonly identityPins = GCP_IDENTITY_PINS;
  readonly defaultMaxCredentialAgeSeconds = DEFAULT_GCP_MAX_TOKEN_LIFETIME_SECONDS;

  registrationProblems(platform: PlatformRegistration, allowHttp: boolean): RegistrationProblem[] {
    return gcpRegistrationProblems(platform, allowHttp);
  }

  routeKeys(platform: PlatformRegistration): string[] {
    return issuerRoutes(platform);
  }

  locate(credential: PresentedCredential): string[] {
    return locateByIssuer(credential);
  }

  keySource(platform: PlatformConfig): KeySource {
    return jwtKeySource(platform);
  }

  async verify(
    credential: PresentedCredential,
    platform: PlatformConfig,
    ctx: VerifyContext,
  ): Promise<VerifiedCredential> {
    const settings = this.settings(platform);
    const jwt = await verifyPlatformJwt(credential, platform, ctx, {
      maxLifetimeSeconds: settings.maxTokenLifetimeSeconds ?? this.defaultMaxCredentialAgeSeconds,
      algorithms: GOOGLE_ID_TOKEN_ALGORITHMS,
      inspect: refuseGoogleUserToken,
    });
    const identity = normalizeGcpIdentity(
      platform,
      jwt,
      readServiceAccountClaims(jwt.claims),
      readComputeEngineClaims(jwt.claims),
    );
    return verifiedJwtCredential(credential, platform, jwt, identity);
  }
}

/** The Google Cloud adapter instance listed in `defaultAdapters`. */
export const gcpAdapter = new GcpAdapter();
