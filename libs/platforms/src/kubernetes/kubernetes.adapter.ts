import type { VerifiedCredential } from '../identity';
import { jwtRegistrationProblems } from '../jwt/jwt-registration-problems';
import { verifyPlatformJwt } from '../jwt/verify-platform-jwt';
import type { PlatformAdapter, RegistrationProblem, VerifyContext } from '../platform-adapter';
import type { PlatformConfig, PlatformRegistration } from '../platform-config';
import {
  DEFAULT_KUBERNETES_MAX_TOKEN_LIFETIME_SECONDS,
  kubernetesSettingsSchema,
  type KubernetesSettings,
} from './kubernetes-settings.schema';
import { normalizeKubernetesIdentity } from './normalize-kubernetes-identity';
import { readKubernetesClaims } from './read-kubernetes-claims';
import { rejectLegacyServiceAccountToken } from './reject-legacy-service-account-token';

/**
 * Kubernetes projected service-account tokens (the TokenRequest API): RS256/ES256 JWTs with the
 * nested `kubernetes.io` claim, keyed by the cluster's service-account issuer. Legacy Secret-based
 * tokens are refused.
 */
export class KubernetesAdapter implements PlatformAdapter {
  readonly kind = 'kubernetes' as const;
  readonly settingsSchema = kubernetesSettingsSchema;
  readonly extraTokenTypes: readonly string[] = [];

  registrationProblems(platform: PlatformRegistration, allowHttp: boolean): RegistrationProblem[] {
    return jwtRegistrationProblems(platform, allowHttp, { allowNonUrlIssuerWithInlineJwks: true });
  }

  async verify(token: string, platform: PlatformConfig, ctx: VerifyContext): Promise<VerifiedCredential> {
    const settings = settingsOf(platform);
    const jwt = await verifyPlatformJwt(token, platform, ctx, {
      maxLifetimeSeconds: settings.maxTokenLifetimeSeconds ?? DEFAULT_KUBERNETES_MAX_TOKEN_LIFETIME_SECONDS,
      inspect: rejectLegacyServiceAccountToken,
    });
    const identity = normalizeKubernetesIdentity(platform, jwt, readKubernetesClaims(jwt.claims));
    return {
      claims: jwt.claims,
      identity,
      expiresAt: jwt.expiresAt,
      ...(identity.tokenId === undefined ? {} : { tokenId: identity.tokenId }),
    };
  }
}

const parsedSettings = new WeakMap<PlatformConfig, KubernetesSettings>();

/** Settings were validated when saved; parse them once per loaded platform, not per token. */
function settingsOf(platform: PlatformConfig): KubernetesSettings {
  let settings = parsedSettings.get(platform);
  if (settings === undefined) {
    settings = kubernetesSettingsSchema.parse(platform.settings);
    parsedSettings.set(platform, settings);
  }
  return settings;
}

/** The Kubernetes adapter instance listed in `defaultAdapters`. */
export const kubernetesAdapter = new KubernetesAdapter();
