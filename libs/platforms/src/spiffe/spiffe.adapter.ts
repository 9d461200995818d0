import { verifiedJwtCredential } from '../credential/verified-jwt-credential';
import type { PresentedCredential } from '../credential/presented-credential';
import { VerificationError } from '../errors/verification-error';
import type { VerifiedCredential } from '../identity';
import { verifyPlatformJwt } from '../jwt/verify-platform-jwt';
import type { KeySource } from '../keys/key-source';
import type { PlatformAdapter, RegistrationProblem, VerifyContext } from '../platform-adapter';
import type { PlatformConfig, PlatformRegistration } from '../platform-config';
import { settingsReader } from '../settings/settings-reader';
import { checkJwtSvidHeader, JWT_SVID_ALGORITHMS } from './check-jwt-svid-header';
import { locateByTrustDomain, trustDomainRoute } from './locate-by-trust-domain';
import { normalizeSpiffeIdentity } from './normalize-spiffe-identity';
import { readSpiffeClaims } from './read-spiffe-claims';
import { hasSpiffeScheme } from './spiffe-id';
import { SPIFFE_IDENTITY_FIELDS, SPIFFE_IDENTITY_PINS } from './spiffe-identity-fields';
import { spiffeKeySource } from './spiffe-key-source';
import { spiffeRegistrationProblems } from './spiffe-registration-problems';
import {
  DEFAULT_SPIFFE_MAX_TOKEN_LIFETIME_SECONDS,
  spiffeSettingsSchema,
  type SpiffeSettings,
} from './spiffe-settings.schema';

/**
 * SPIFFE JWT-SVIDs of one trust domain per platform. A token finds its platform by the trust domain
 * of its `sub` and is verified only with that trust domain's keys. Its `iss` is optional (JWT-SVID
 * §3): it is checked only when the platform's issuer is an https URL, not when it is the trust
 * domain's SPIFFE ID.
 */
export class SpiffeAdapter implements PlatformAdapter<SpiffeSettings> {
  readonly kind = 'spiffe' as const;
  readonly settingsSchema = spiffeSettingsSchema;
  readonly settings = settingsReader(spiffeSettingsSchema);
  readonly extraTokenTypes: readonly string[] = [];
  readonly acceptsJwt = true;
  readonly identityFields = SPIFFE_IDENTITY_FIELDS;
  readonly identityPins = SPIFFE_IDENTITY_PINS;
  readonly defaultMaxCredentialAgeSeconds = DEFAULT_SPIFFE_MAX_TOKEN_LIFETIME_SECONDS;
  private readonly keySources = new WeakMap<PlatformConfig, KeySource>();

  registrationProblems(platform: PlatformRegistration, allowHttp: boolean): RegistrationProblem[] {
    return spiffeRegistrationProblems(platform, allowHttp);
  }

  routeKeys(platform: PlatformRegistration): string[] {
    const settings = spiffeSettingsSchema.safeParse(platform.settings);
    return settings.success ? [trustDomainRoute(settings.data.trustDomain)] : [];
  }

  routeField(): string {
    return 'settings.trustDomain';
  }

  locate(credential: PresentedCredential): string[] {
    return locateByTrustDomain(credential);
  }

  keySource(platform: PlatformConfig): KeySource {
    let source = this.keySources.get(platform);
    if (source === undefined) {
      source = spiffeKeySource(platform, this.settings(platform));
      this.keySources.set(platform, source);
    }
    return source;
  }

  async verify(
    credential: PresentedCredential,
    platform: PlatformConfig,
    ctx: VerifyContext,
  ): Promise<VerifiedCredential> {
    if (credential.jwt === undefined) {
      throw new VerificationError('malformed', 'the credential is not a JWT');
    }
    if (!platform.enabled) throw new VerificationError('issuer_not_trusted', 'the platform is disabled');
    checkJwtSvidHeader(credential.jwt.header);
    const settings = this.settings(platform);
    const jwt = await verifyPlatformJwt(credential, platform, ctx, {
      maxLifetimeSeconds: settings.maxTokenLifetimeSeconds ?? this.defaultMaxCredentialAgeSeconds,
      issuers: hasSpiffeScheme(platform.issuer) ? null : [platform.issuer],
      algorithms: JWT_SVID_ALGORITHMS,
      keySource: this.keySource(platform),
    });
    const identity = normalizeSpiffeIdentity(
      platform,
      jwt,
      readSpiffeClaims(jwt.claims, settings.trustDomain),
    );
    return verifiedJwtCredential(credential, platform, jwt, identity);
  }
}

/** The SPIFFE adapter instance listed in `defaultAdapters`. */
export const spiffeAdapter = new SpiffeAdapter();
