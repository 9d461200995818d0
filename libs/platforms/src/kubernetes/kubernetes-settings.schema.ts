import { z } from 'zod';

/** Kubernetes projected tokens live 10 min to 24 h unless the cluster extends them. */
export const DEFAULT_KUBERNETES_MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

/** `settings` of a Kubernetes platform. */
export const kubernetesSettingsSchema = z.strictObject({
  /** Cap on `exp - iat`; raise it to accept extended (one-year) tokens. Default 24 h. */
  maxTokenLifetimeSeconds: z.number().int().positive().optional(),
});

/** Parsed `settings` of a Kubernetes platform. */
export type KubernetesSettings = z.infer<typeof kubernetesSettingsSchema>;
