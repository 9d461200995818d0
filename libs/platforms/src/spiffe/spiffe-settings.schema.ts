import { z } from 'zod';
import { trustDomainProblem } from './spiffe-id';

/**
 * SPIRE issues JWT-SVIDs for 5 minutes by default (`default_jwt_svid_ttl`); registration entries
 * may ask for longer. A day covers every sane entry and still refuses a token that lives for weeks.
 */
export const DEFAULT_SPIFFE_MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

/** `settings` of a SPIFFE platform: one trust domain, and optionally its bundle endpoint. */
export const spiffeSettingsSchema = z.strictObject({
  /** The trust domain name (`example.org`, not `spiffe://example.org`): JWT-SVIDs' `sub` must be in it. */
  trustDomain: z.string().superRefine((name, ctx) => {
    const problem = trustDomainProblem(name);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** The trust domain's SPIFFE bundle endpoint (https_web profile); excludes `jwks` and `jwksUri`. */
  bundleEndpointUrl: z.string().min(1).max(2048).optional(),
  /** Cap on `exp - iat`, to tighten the default of 24 h. */
  maxTokenLifetimeSeconds: z
    .number()
    .int()
    .positive()
    .max(DEFAULT_SPIFFE_MAX_TOKEN_LIFETIME_SECONDS, 'may only tighten the default of 86400 seconds')
    .optional(),
});

/** Parsed `settings` of a SPIFFE platform. */
export type SpiffeSettings = z.infer<typeof spiffeSettingsSchema>;
