import { z } from 'zod';

/**
 * A GitLab ID token lives as long as its job's timeout (5 min when the job has none; projects
 * default to a 1 h timeout). Two hours accept the default with room for clock lag.
 */
export const DEFAULT_GITLAB_MAX_TOKEN_LIFETIME_SECONDS = 2 * 3600;

/** `settings` of a GitLab platform. */
export const gitlabSettingsSchema = z.strictObject({
  /** Cap on `exp - iat`; may only be lowered. Default 2 h. */
  maxTokenLifetimeSeconds: z
    .number()
    .int()
    .positive()
    .max(DEFAULT_GITLAB_MAX_TOKEN_LIFETIME_SECONDS)
    .default(DEFAULT_GITLAB_MAX_TOKEN_LIFETIME_SECONDS),
});

/** Parsed `settings` of a GitLab platform. */
export type GitLabSettings = z.infer<typeof gitlabSettingsSchema>;
