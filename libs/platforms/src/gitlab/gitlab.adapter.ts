import { JwtPlatformAdapter } from '../jwt/jwt-platform-adapter';
import { jwtRegistrationProblems } from '../jwt/jwt-registration-problems';
import { issuerRoutes, locateByIssuer } from '../routing/locate-by-issuer';
import { GITLAB_IDENTITY_FIELDS, GITLAB_IDENTITY_PINS } from './gitlab-identity-fields';
import { gitlabIssuerProblem } from './gitlab-issuer';
import { DEFAULT_GITLAB_MAX_TOKEN_LIFETIME_SECONDS, gitlabSettingsSchema } from './gitlab-settings.schema';
import { normalizeGitLabIdentity } from './normalize-gitlab-identity';
import { rejectCiJobJwt } from './reject-ci-job-jwt';

/**
 * GitLab CI ID tokens (`id_tokens`) of gitlab.com and self-managed instances, found by their exact
 * issuer (the instance URL), keys by OIDC discovery at the issuer unless `jwksUri` or inline `jwks`
 * are given; GitLab signs them with RS256 only. The legacy `CI_JOB_JWT` (v1), whose issuer no
 * platform has, is refused with `legacy_token`. The instance listed in `defaultAdapters`.
 */
export const gitlabAdapter = new JwtPlatformAdapter({
  kind: 'gitlab',
  settingsSchema: gitlabSettingsSchema,
  identityFields: GITLAB_IDENTITY_FIELDS,
  identityPins: GITLAB_IDENTITY_PINS,
  defaultMaxTokenLifetimeSeconds: DEFAULT_GITLAB_MAX_TOKEN_LIFETIME_SECONDS,
  registrationProblems: (platform, allowHttp) =>
    jwtRegistrationProblems(platform, allowHttp, {
      allowNonUrlIssuerWithInlineJwks: false,
      issuerProblem: gitlabIssuerProblem,
    }),
  routeKeys: issuerRoutes,
  locate: locateByIssuer,
  screen: rejectCiJobJwt,
  algorithms: ['RS256'],
  identity: normalizeGitLabIdentity,
});
