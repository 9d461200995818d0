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
import {
  GITHUB_ACTIONS_IDENTITY_FIELDS,
  GITHUB_ACTIONS_IDENTITY_PINS,
} from './github-actions-identity-fields';
import { githubActionsIssuerProblem } from './github-actions-issuer';
import {
  DEFAULT_GITHUB_ACTIONS_MAX_TOKEN_LIFETIME_SECONDS,
  githubActionsSettingsSchema,
  type GitHubActionsSettings,
} from './github-actions-settings.schema';
import { normalizeGitHubActionsIdentity } from './normalize-github-actions-identity';
import { rejectRunnerCredential } from './reject-runner-credential';

/** GitHub signs Actions OIDC tokens with RS256 only (`id_token_signing_alg_values_supported`). */
const GITHUB_ACTIONS_ALGORITHMS: readonly string[] = ['RS256'];

/**
 * GitHub Actions OIDC tokens (github.com, enterprise issuers, GHE.com and GitHub Enterprise
 * Server), found by their exact issuer, keys by OIDC discovery at the issuer unless `jwksUri` or
 * inline `jwks` are given. Runner credentials signed by the same keys are refused.
 */
export class GitHubActionsAdapter implements PlatformAdapter<GitHubActionsSettings> {
  readonly kind = 'github-actions' as const;
  readonly settingsSchema = githubActionsSettingsSchema;
  readonly settings = settingsReader(githubActionsSettingsSchema);
  readonly extraTokenTypes: readonly string[] = [];
  readonly acceptsJwt = true;
  readonly identityFields = GITHUB_ACTIONS_IDENTITY_FIELDS;
  readonly identityPins = GITHUB_ACTIONS_IDENTITY_PINS;
  readonly defaultMaxCredentialAgeSeconds = DEFAULT_GITHUB_ACTIONS_MAX_TOKEN_LIFETIME_SECONDS;

  registrationProblems(platform: PlatformRegistration, allowHttp: boolean): RegistrationProblem[] {
    const problems = jwtRegistrationProblems(platform, allowHttp, { allowNonUrlIssuerWithInlineJwks: false });
    if (problems.some((problem) => problem.field === 'issuer')) return problems;
    const issuer = githubActionsIssuerProblem(platform.issuer);
    return issuer === undefined ? problems : [{ field: 'issuer', message: issuer }, ...problems];
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
    const jwt = await verifyPlatformJwt(credential, platform, ctx, {
      maxLifetimeSeconds: this.settings(platform).maxTokenLifetimeSeconds,
      algorithms: GITHUB_ACTIONS_ALGORITHMS,
      inspect: rejectRunnerCredential,
    });
    const identity = normalizeGitHubActionsIdentity(platform, jwt);
    return verifiedJwtCredential(credential, platform, jwt, identity);
  }
}

/** The GitHub Actions adapter instance listed in `defaultAdapters`. */
export const githubActionsAdapter = new GitHubActionsAdapter();
