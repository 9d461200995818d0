import { JwtPlatformAdapter } from '../jwt/jwt-platform-adapter';
import { jwtRegistrationProblems } from '../jwt/jwt-registration-problems';
import { issuerRoutes, locateByIssuer } from '../routing/locate-by-issuer';
import {
  GITHUB_ACTIONS_IDENTITY_FIELDS,
  GITHUB_ACTIONS_IDENTITY_PINS,
} from './github-actions-identity-fields';
import { githubActionsIssuerProblem } from './github-actions-issuer';
import {
  DEFAULT_GITHUB_ACTIONS_MAX_TOKEN_LIFETIME_SECONDS,
  githubActionsSettingsSchema,
} from './github-actions-settings.schema';
import { normalizeGitHubActionsIdentity } from './normalize-github-actions-identity';
import { rejectRunnerCredential } from './reject-runner-credential';

/**
 * GitHub Actions OIDC tokens (github.com, enterprise issuers, GHE.com and GitHub Enterprise
 * Server), found by their exact issuer, keys by OIDC discovery at the issuer unless `jwksUri` or
 * inline `jwks` are given. Runner credentials signed by the same keys are refused. GitHub signs
 * them with RS256 only (`id_token_signing_alg_values_supported`). The instance listed in
 * `defaultAdapters`.
 */
export const githubActionsAdapter = new JwtPlatformAdapter({
  kind: 'github-actions',
  settingsSchema: githubActionsSettingsSchema,
  identityFields: GITHUB_ACTIONS_IDENTITY_FIELDS,
  identityPins: GITHUB_ACTIONS_IDENTITY_PINS,
  defaultMaxTokenLifetimeSeconds: DEFAULT_GITHUB_ACTIONS_MAX_TOKEN_LIFETIME_SECONDS,
  registrationProblems: (platform, allowHttp) =>
    jwtRegistrationProblems(platform, allowHttp, {
      allowNonUrlIssuerWithInlineJwks: false,
      issuerProblem: githubActionsIssuerProblem,
    }),
  routeKeys: issuerRoutes,
  locate: locateByIssuer,
  algorithms: ['RS256'],
  inspect: rejectRunnerCredential,
  identity: normalizeGitHubActionsIdentity,
});
