import { z } from 'zod';
import { PLATFORM_KINDS } from '@fedbroker/platforms';
import type { FieldProblem } from './catalog.error';

const resourceName = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lowercase letters, digits and dashes, at most 63');
const uniqueStrings = z
  .array(z.string().min(1).max(2048))
  .max(100)
  .refine((items) => new Set(items).size === items.length, 'must not repeat a value');

/** The admin body of a platform (POST and PUT). */
export const platformBodySchema = z.strictObject({
  name: resourceName,
  kind: z.enum(PLATFORM_KINDS),
  issuer: z.string().min(1).max(2048),
  jwksUri: z.string().max(2048).optional(),
  /** A JWK Set, or a SPIFFE bundle (Trust Domain and Bundle §4) with its own two members. */
  jwks: z
    .strictObject({
      keys: z.array(z.record(z.string(), z.unknown())).max(100),
      spiffe_sequence: z.number().int().nonnegative().optional(),
      spiffe_refresh_hint: z.number().int().nonnegative().optional(),
    })
    .optional(),
  caBundle: z.string().max(65_536).optional(),
  audiences: uniqueStrings.min(1).optional(),
  clockSkewSeconds: z.number().int().min(0).max(300).default(60),
  settings: z.record(z.string(), z.unknown()).default({}),
  enabled: z.boolean().default(true),
});
export type PlatformBody = z.infer<typeof platformBodySchema>;

/** The admin body of a trust policy (POST and PUT). */
export const policyBodySchema = z.strictObject({
  name: resourceName,
  platform: resourceName,
  condition: z.string().min(1),
  actorCondition: z.string().min(1).optional(),
  subject: z.string().min(1).optional(),
  audiences: uniqueStrings.min(1),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope token (RFC 6749 §3.3)'))
    .max(100)
    .refine((items) => new Set(items).size === items.length, 'must not repeat a value')
    .default([]),
  ttlSeconds: z.number().int().min(1).max(86_400).default(900),
  claims: z.record(z.string().min(1).max(256), z.string().min(1)).default({}),
  priority: z.number().int().min(-1000).max(1000).default(0),
  enabled: z.boolean().default(true),
});
export type PolicyBody = z.infer<typeof policyBodySchema>;

/** Parses `input` or returns the field-level problems, paths joined with dots. */
export function parseBody<T>(
  schema: z.ZodType<T>,
  input: unknown,
): { ok: true; value: T } | { ok: false; problems: FieldProblem[] } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.') || '(body)',
      message: issue.message,
    })),
  };
}
