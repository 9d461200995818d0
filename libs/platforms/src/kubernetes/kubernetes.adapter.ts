import { jwtRegistrationProblems } from '../jwt/jwt-registration-problems';
import { JwtPlatformAdapter } from '../jwt/jwt-platform-adapter';
import { issuerKeyRoutes, locateByIssuerAndKey } from '../routing/locate-by-issuer';
import {
  DEFAULT_KUBERNETES_MAX_TOKEN_LIFETIME_SECONDS,
  kubernetesSettingsSchema,
} from './kubernetes-settings.schema';
import { KUBERNETES_IDENTITY_FIELDS, KUBERNETES_IDENTITY_PINS } from './kubernetes-identity-fields';
import { normalizeKubernetesIdentity } from './normalize-kubernetes-identity';
import { readKubernetesClaims } from './read-kubernetes-claims';
import { rejectLegacyServiceAccountToken } from './reject-legacy-service-account-token';

/**
 * Kubernetes projected service-account tokens (the TokenRequest API): RS256/ES256 JWTs with the
 * nested `kubernetes.io` claim, keyed by the cluster's service-account issuer. Legacy Secret-based
 * tokens are refused. Clusters that share an issuer string (every self-managed cluster's default)
 * are told apart by the key ids of their inline key sets. The instance listed in `defaultAdapters`.
 */
export const kubernetesAdapter = new JwtPlatformAdapter({
  kind: 'kubernetes',
  settingsSchema: kubernetesSettingsSchema,
  identityFields: KUBERNETES_IDENTITY_FIELDS,
  identityPins: KUBERNETES_IDENTITY_PINS,
  defaultMaxTokenLifetimeSeconds: DEFAULT_KUBERNETES_MAX_TOKEN_LIFETIME_SECONDS,
  registrationProblems: (platform, allowHttp) =>
    jwtRegistrationProblems(platform, allowHttp, { allowNonUrlIssuerWithInlineJwks: true }),
  routeKeys: issuerKeyRoutes,
  locate: locateByIssuerAndKey,
  inspect: rejectLegacyServiceAccountToken,
  identity: (platform, jwt) => normalizeKubernetesIdentity(platform, jwt, readKubernetesClaims(jwt.claims)),
});
