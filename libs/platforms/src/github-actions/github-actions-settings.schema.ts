import { z } from 'zod';

/**
 * GitHub issues Actions OIDC tokens for 5 minutes (`exp - iat` = 300 s); an hour leaves room for
 * a clock that lags, and nothing GitHub issues lives longer.
 */
export const DEFAULT_GITHUB_ACTIONS_MAX_TOKEN_LIFETIME_SECONDS = 3600;

/** `settings` of a GitHub Actions platform. */
export const githubActionsSettingsSchema = z.strictObject({
  /** Cap on `exp - iat`; may only be lowered. Default 1 h. */
  maxTokenLifetimeSeconds: z
    .number()
    .int()
    .positive()
    .max(DEFAULT_GITHUB_ACTIONS_MAX_TOKEN_LIFETIME_SECONDS)
    .default(DEFAULT_GITHUB_ACTIONS_MAX_TOKEN_LIFETIME_SECONDS),
});

/** Parsed `settings` of a GitHub Actions platform. */
export type GitHubActionsSettings = z.infer<typeof githubActionsSettingsSchema>;
