import { z } from 'zod';

/** Google identity tokens, from the metadata server or IAM Credentials, expire one hour after issue. */
export const DEFAULT_GCP_MAX_TOKEN_LIFETIME_SECONDS = 3600;

/** `settings` of a Google Cloud platform. */
export const gcpSettingsSchema = z.strictObject({
  /** Cap on `exp - iat`; may only tighten the one-hour default. */
  maxTokenLifetimeSeconds: z.number().int().positive().max(DEFAULT_GCP_MAX_TOKEN_LIFETIME_SECONDS).optional(),
});

/** Parsed `settings` of a Google Cloud platform. */
export type GcpSettings = z.infer<typeof gcpSettingsSchema>;
