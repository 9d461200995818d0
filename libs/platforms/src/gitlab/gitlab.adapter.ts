import type { PresentedCredential } from '../credential/presented-credential';
import { verifiedJwtCredential } from '../credential/verified-jwt-credential';
import type { VerifiedCredential } from '../identity';
import { jwtRegistrationProblems } from '../jwt/jwt-registration-problems';
import { verifyPlatformJwt } from '../jwt/verify-platform-jwt';
import { jwtKeySource, type KeySource } from '../keys/key-source';
import type { PlatformAdapter, RegistrationProblem, VerifyContext } from '../platform-adapter';
import type { PlatformConfig, PlatformRegistration } from '../platform-config';
import { issuerRoutes, locateByIssuer } from '../routing/locate-by-issuer';
import { settingsReader } from '../settings/settings-reader';
import { GITLAB_IDENTITY_FIELDS, GITLAB_IDENTITY_PINS } from './gitlab-identity-fields';
import { gitlabIssuerProblem } from './gitlab-issuer';
import {
  DEFAULT_GITLAB_MAX_TOKEN_LIFETIME_SECONDS,
  gitlabSettingsSchema,
  type GitLabSettings,
} from './gitlab-settings.schema';
import { normalizeGitLabIdentity } from './normalize-gitlab-identity';
import { rejectCiJobJwt } from './reject-ci-job-jwt';

/** GitLab signs CI ID tokens with RS256 only. */
const GITLAB_ALGORITHMS: readonly string[] = ['RS256'];

/**
 * GitLab CI ID tokens (`id_tokens`) of gitlab.com and self-managed instances, found by their exact
 * issuer (the instance URL), keys by OIDC discovery at the issuer unless `jwksUri` or inline `jwks`
 * are given. The legacy `CI_JOB_JWT` (v1) is refused with `legacy_token`.
 */
export class GitLabAdapter implements PlatformAdapter<GitLabSettings> {
  readonly kind = 'gitlab' as const;
  readonly settingsSchema = gitlabSettingsSchema;
  readonly settings = settingsReader(gitlabSettingsSchema);
  readonly extraTokenTypes: readonly string[] = [];
  readonly acceptsJwt = true;
  readonly identityFields = GITLAB_IDENTITY_FIELDS;
  readonly identityPins = GITLAB_IDENTITY_PINS;
  readonly defaultMaxCredentialAgeSeconds = DEFAULT_GITLAB_MAX_TOKEN_LIFETIME_SECONDS;

  registrationProblems(platform: PlatformRegistration, allowHttp: boolean): RegistrationProblem[] {
    const problems = jwtRegistrationProblems(platform, allowHttp, { allowNonUrlIssuerWithInlineJwks: false });
    if (problems.some((problem) => problem.field === 'issuer')) return problems;
    const issuer = gitlabIssuerProblem(platform.issuer);
    return issuer === undefined ? problems : [{ field: 'issuer', message: issuer }, ...problems];
  }

  routeKeys(platform: PlatformRegistration): string[] {
    return issuerRoutes(platform);
  }

  /** @throws {VerificationError} `legacy_token` for a `CI_JOB_JWT` (v1), whose issuer no platform has. */
  locate(credential: PresentedCredential): string[] {
    if (credential.jwt !== undefined) rejectCiJobJwt(credential.jwt.claims);
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
    if (credential.jwt !== undefined) rejectCiJobJwt(credential.jwt.claims);
    const jwt = await verifyPlatformJwt(credential, platform, ctx, {
      maxLifetimeSeconds: this.settings(platform).maxTokenLifetimeSeconds,
      algorithms: GITLAB_ALGORITHMS,
    });
    const identity = normalizeGitLabIdentity(platform, jwt);
    return verifiedJwtCredential(credential, platform, jwt, identity);
  }
}

/** The GitLab adapter instance listed in `defaultAdapters`. */
export const gitlabAdapter = new GitLabAdapter();
