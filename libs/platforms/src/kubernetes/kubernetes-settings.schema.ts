import { z } from 'zod';

/**
 * Kubernetes projected tokens live 10 min to 48 h as requested, but a cluster that extends pod
 * tokens (`--service-account-extend-token-expiration`, on by default) issues them for one year.
 */
export const DEFAULT_KUBERNETES_MAX_TOKEN_LIFETIME_SECONDS = 366 * 24 * 60 * 60;

/** `settings` of a Kubernetes platform. */
export const kubernetesSettingsSchema = z.strictObject({
  /** Cap on `exp - iat`; lower it when the cluster does not extend tokens. Default 366 days. */
  maxTokenLifetimeSeconds: z.number().int().positive().optional(),
});

/** Parsed `settings` of a Kubernetes platform. */
export type KubernetesSettings = z.infer<typeof kubernetesSettingsSchema>;
