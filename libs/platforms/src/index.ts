export { defaultAdapters, type DefaultAdapterOptions } from './default-adapters';
export { AwsAdapter, type AwsAdapterOptions } from './aws/aws.adapter';
export {
  AWS_CREDENTIAL_FORMS,
  AWS4_REQUEST_TOKEN_TYPE,
  INSTANCE_IDENTITY_DOCUMENT_TOKEN_TYPE,
  type AwsCredentialForm,
} from './aws/aws-credential-forms';
export { awsSettingsSchema, type AwsSettings } from './aws/aws-settings.schema';
export { AUDIENCE_HEADER as AWS_AUDIENCE_HEADER } from './aws/caller-identity/read-signed-request';
export { DEFAULT_AWS_STS_ENDPOINTS } from './aws/caller-identity/sts-endpoints';
export { decodeCompactJws, isCanonicalBase64url } from './credential/decode-compact-jws';
export { MAX_TOKEN_LENGTH, presentCredential } from './credential/present-credential';
export type { DecodedJwt, PresentedCredential } from './credential/presented-credential';
export { replayKey } from './credential/replay-key';
export { invalidClaim, missingClaim } from './errors/claim-errors';
export { describeKey } from './errors/describe-key';
export { mapJoseError, type JoseErrorContext } from './errors/map-jose-error';
export {
  MAX_SHOWN_VALUE_LENGTH,
  MAX_SHOWN_VALUES,
  showClock,
  showTime,
  showValue,
  showValues,
  truncate,
} from './errors/show-value';
export {
  isVerificationError,
  RETRYABLE_VERIFICATION_ERRORS,
  VERIFICATION_ERROR_CODES,
  VerificationError,
  verificationMessage,
  type VerificationErrorCode,
  type VerificationErrorOptions,
} from './errors/verification-error';
export { githubActionsAdapter } from './github-actions/github-actions.adapter';
export { GITHUB_ACTIONS_IDENTITY_FIELDS } from './github-actions/github-actions-identity-fields';
export {
  DEFAULT_GITHUB_ACTIONS_MAX_TOKEN_LIFETIME_SECONDS,
  githubActionsSettingsSchema,
  type GitHubActionsSettings,
} from './github-actions/github-actions-settings.schema';
export { gitlabAdapter } from './gitlab/gitlab.adapter';
export { GITLAB_IDENTITY_FIELDS } from './gitlab/gitlab-identity-fields';
export {
  DEFAULT_GITLAB_MAX_TOKEN_LIFETIME_SECONDS,
  gitlabSettingsSchema,
  type GitLabSettings,
} from './gitlab/gitlab-settings.schema';
export type { Identity, VerifiedCredential } from './identity';
export { COMMON_IDENTITY_FIELDS, type IdentityFields, type IdentityFieldType } from './identity-fields';
export { NEVER_SHARED, sharedIssuers, type IdentityPins } from './identity-pins';
export { gcpAdapter } from './gcp/gcp.adapter';
export { GCP_IDENTITY_FIELDS } from './gcp/gcp-identity-fields';
export {
  DEFAULT_GCP_MAX_TOKEN_LIFETIME_SECONDS,
  gcpSettingsSchema,
  type GcpSettings,
} from './gcp/gcp-settings.schema';
export { GOOGLE_ISSUER } from './gcp/google-id-token';
export { ALLOWED_ALGORITHMS } from './jwt/allowed-algorithms';
export { checkAudience } from './jwt/check-audience';
export { checkProtectedHeader } from './jwt/check-protected-header';
export { checkTokenTimes, type TokenTimes } from './jwt/check-token-times';
export { jwtRegistrationProblems, type JwtRegistrationRules } from './jwt/jwt-registration-problems';
export { JwtPlatformAdapter, type JwtKind, type JwtKindSettings } from './jwt/jwt-platform-adapter';
export {
  verifyPlatformJwt,
  type PlatformJwtRules,
  type VerifiedPlatformJwt,
} from './jwt/verify-platform-jwt';
export {
  KeyResolver,
  type KeyFetchReport,
  type KeyLookupOptions,
  type KeyResolverLogger,
  type KeyProbeResult,
  type KeyResolverOptions,
} from './keys/key-resolver';
export { forbiddenAddressReason } from './keys/address-policy';
export { forbiddenHostReason, type HostLookup } from './keys/host-addresses';
export { jwtKeySource, keySourceId, type KeySource } from './keys/key-source';
export { inlineKeyProblems } from './keys/inline-key-problems';
export { keySourceAddressProblems } from './keys/key-source-address-problems';
export { unusableKeyReason } from './keys/unusable-key-reason';
export { KeySourceError } from './keys/key-source-error';
export { isSpiffeBundle, jwtSvidKeys } from './keys/parse-spiffe-bundle';
export { urlProblem } from './keys/url-policy';
export {
  expectNonce,
  recentUnixTimeNonce,
  type AttestedNonceCheck,
  type NonceCheckContext,
} from './azure/attested/attested-nonce';
export { AzureAdapter, azureAdapter, type AzureAdapterOptions } from './azure/azure.adapter';
export {
  azureSettingsSchema,
  DEFAULT_ATTESTED_DOCUMENT_MAX_AGE_SECONDS,
  DEFAULT_AZURE_MAX_TOKEN_LIFETIME_SECONDS,
  type AzureSettings,
} from './azure/azure-settings.schema';
export { AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE } from './azure/azure-token-types';
export { kubernetesAdapter } from './kubernetes/kubernetes.adapter';
export {
  DEFAULT_KUBERNETES_MAX_TOKEN_LIFETIME_SECONDS,
  kubernetesSettingsSchema,
  type KubernetesSettings,
} from './kubernetes/kubernetes-settings.schema';
export type { PlatformAdapter, RegistrationProblem, VerifyContext } from './platform-adapter';
export type { PlatformConfig, PlatformRegistration } from './platform-config';
export { isPlatformKind, PLATFORM_KINDS, type PlatformKind } from './platform-kind';
export { AdapterRegistry, JWT_TOKEN_TYPES } from './registry/adapter-registry';
export {
  issuerKeyRoutes,
  issuerRoutes,
  locateByIssuer,
  locateByIssuerAndKey,
} from './routing/locate-by-issuer';
export { isKeyedSet, keySetClash, type KeySetClash } from './routing/key-set-clash';
export {
  issuerKeyRoute,
  issuerOfRoute,
  issuerRoute,
  issuerRouteField,
  kindRoute,
} from './routing/route-keys';
export { settingsReader } from './settings/settings-reader';
export { SpiffeAdapter, spiffeAdapter } from './spiffe/spiffe.adapter';
export { JWT_SVID_ALGORITHMS } from './spiffe/check-jwt-svid-header';
export { parseSpiffeId, trustDomainId, type ParsedSpiffeId } from './spiffe/spiffe-id';
export { SPIFFE_IDENTITY_FIELDS } from './spiffe/spiffe-identity-fields';
export {
  DEFAULT_SPIFFE_MAX_TOKEN_LIFETIME_SECONDS,
  spiffeSettingsSchema,
  type SpiffeSettings,
} from './spiffe/spiffe-settings.schema';
