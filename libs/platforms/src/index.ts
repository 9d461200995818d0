export { defaultAdapters } from './default-adapters';
export { mapJoseError } from './errors/map-jose-error';
export {
  isVerificationError,
  VERIFICATION_ERROR_CODES,
  VerificationError,
  type VerificationErrorCode,
} from './errors/verification-error';
export type { Identity, VerifiedCredential } from './identity';
export { ALLOWED_ALGORITHMS } from './jwt/allowed-algorithms';
export { jwtRegistrationProblems, type JwtRegistrationRules } from './jwt/jwt-registration-problems';
export { peekIssuer } from './jwt/peek-issuer';
export {
  MAX_TOKEN_LENGTH,
  verifyPlatformJwt,
  type PlatformJwtRules,
  type VerifiedPlatformJwt,
} from './jwt/verify-platform-jwt';
export {
  KeyResolver,
  type KeyLookupOptions,
  type KeyProbeResult,
  type KeyResolverOptions,
} from './keys/key-resolver';
export { urlProblem } from './keys/url-policy';
export { KubernetesAdapter, kubernetesAdapter } from './kubernetes/kubernetes.adapter';
export {
  DEFAULT_KUBERNETES_MAX_TOKEN_LIFETIME_SECONDS,
  kubernetesSettingsSchema,
  type KubernetesSettings,
} from './kubernetes/kubernetes-settings.schema';
export type { PlatformAdapter, RegistrationProblem, VerifyContext } from './platform-adapter';
export type { PlatformConfig, PlatformRegistration } from './platform-config';
export { isPlatformKind, PLATFORM_KINDS, type PlatformKind } from './platform-kind';
export { AdapterRegistry, JWT_TOKEN_TYPES } from './registry/adapter-registry';
