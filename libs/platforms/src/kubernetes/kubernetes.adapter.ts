import { verifiedJwtCredential } from '../credential/verified-jwt-credential';
import type { PresentedCredential } from '../credential/presented-credential';
import type { VerifiedCredential } from '../identity';
import { jwtRegistrationProblems } from '../jwt/jwt-registration-problems';
import { verifyPlatformJwt } from '../jwt/verify-platform-jwt';
import { jwtKeySource, type KeySource } from '../keys/key-source';
import type { PlatformAdapter, RegistrationProblem, VerifyContext } from '../platform-adapter';
import type { PlatformConfig, PlatformRegistration } from '../platform-config';
import { issuerKeyRoutes, locateByIssuerAndKey } from '../routing/locate-by-issuer';
import { settingsReader } from '../settings/settings-reader';
import {
  DEFAULT_KUBERNETES_MAX_TOKEN_LIFETIME_SECONDS,
  kubernetesSettingsSchema,
  type KubernetesSettings,
} from './kubernetes-settings.schema';
import { KUBERNETES_IDENTITY_FIELDS, KUBERNETES_IDENTITY_PINS } from './kubernetes-identity-fields';
import { normalizeKubernetesIdentity } from './normalize-kubernetes-identity';
import { readKubernetesClaims } from './read-kubernetes-claims';
import { rejectLegacyServiceAccountToken } from './reject-legacy-service-account-token';

/**
 * Kubernetes projected service-account tokens (the TokenRequest API): RS256/ES256 JWTs with the
 * nested `kubernetes.io` claim, keyed by the cluster's service-account issuer. Legacy Secret-based
 * tokens are refused. Clusters that share an issuer string (every self-managed cluster's default)
 * are told apart by the key ids of their inline key sets.
 */
export class KubernetesAdapter implements PlatformAdapter<KubernetesSettings> {
  readonly kind = 'kubernetes' as const;
  readonly settingsSchema = kubernetesSettingsSchema;
  readonly settings = settingsReader(kubernetesSettingsSchema);
  readonly extraTokenTypes: readonly string[] = [];
  readonly acceptsJwt = true;
  readonly identityFields = KUBERNETES_IDENTITY_FIELDS;
  readonly identityPins = KUBERNETES_IDENTITY_PINS;
  readonly defaultMaxCredentialAgeSeconds = DEFAULT_KUBERNETES_MAX_TOKEN_LIFETIME_SECONDS;

  registrationProblems(platform: PlatformRegistration, allowHttp: boolean): RegistrationProblem[] {
    return jwtRegistrationProblems(platform, allowHttp, { allowNonUrlIssuerWithInlineJwks: true });
  }

  routeKeys(platform: PlatformRegistration): string[] {
    return issuerKeyRoutes(platform);
  }

  locate(credential: PresentedCredential): string[] {
    return locateByIssuerAndKey(credential);
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
      inspect: rejectLegacyServiceAccountToken,
    });
    const identity = normalizeKubernetesIdentity(platform, jwt, readKubernetesClaims(jwt.claims));
    return verifiedJwtCredential(credential, platform, jwt, identity);
  }
}

/** The Kubernetes adapter instance listed in `defaultAdapters`. */
export const kubernetesAdapter = new KubernetesAdapter();
