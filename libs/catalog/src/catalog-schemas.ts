import { z } from 'zod';
import { PLATFORM_KINDS } from '@fedbroker/platforms';
import { adminText, storableJson, storableKeys } from './admin-text';
import { CatalogError, type FieldProblem } from './catalog.error';

const RESOURCE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const resourceName = z.string().regex(RESOURCE_NAME, 'lowercase letters, digits and dashes, at most 63');
const uniqueStrings = z
  .array(adminText().min(1).max(2048))
  .max(100)
  .refine((items) => new Set(items).size === items.length, 'must not repeat a value');

/** The admin body of a platform (POST and PUT). */
export const platformBodySchema = z.strictObject({
  name: resourceName,
  kind: z.enum(PLATFORM_KINDS),
  issuer: adminText().min(1).max(2048),
  jwksUri: adminText().max(2048).optional(),
  /** A JWK Set, or a SPIFFE bundle (Trust Domain and Bundle §4) with its own two members. */
  jwks: z
    .strictObject({
      keys: z.array(z.record(z.string(), z.unknown())).max(100),
      spiffe_sequence: z.number().int().nonnegative().optional(),
      spiffe_refresh_hint: z.number().int().nonnegative().optional(),
    })
    .superRefine(storableJson)
    .optional(),
  caBundle: adminText().max(65_536).optional(),
  audiences: uniqueStrings.min(1).optional(),
  clockSkewSeconds: z.number().int().min(0).max(300).default(60),
  settings: z.record(z.string(), z.unknown()).superRefine(storableJson).default({}),
  enabled: z.boolean().default(true),
  oneTimeUse: z.boolean().default(false),
});
export type PlatformBody = z.infer<typeof platformBodySchema>;

/** Free-form JSON an admin sends in a test case (an identity, claims, an actor). */
const testObject = z.record(z.string().min(1).max(256), z.unknown()).superRefine(storableJson);

/** One test case of a policy: `identity` or `claims` (or both), and what the policy must do with it. */
export const policyTestSchema = z
  .strictObject({
    name: adminText().min(1).max(200),
    identity: testObject.optional(),
    claims: testObject.optional(),
    actor: testObject.optional(),
    request: z
      .strictObject({
        audience: z.array(adminText().min(1).max(2048)).max(100).optional(),
        scopes: z.array(adminText().min(1).max(256)).max(100).optional(),
        grantType: adminText().min(1).max(2048).optional(),
      })
      .optional(),
    expect: z.enum(['match', 'no_match']),
  })
  .refine((test) => test.identity !== undefined || test.claims !== undefined, {
    message: 'needs identity or claims',
  });

/** The admin body of a trust policy (POST and PUT). */
export const policyBodySchema = z.strictObject({
  name: resourceName,
  platform: resourceName,
  condition: adminText().min(1),
  actorCondition: adminText().min(1).optional(),
  subject: adminText().min(1).optional(),
  audiences: uniqueStrings.min(1),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope token (RFC 6749 §3.3)'))
    .max(100)
    .refine((items) => new Set(items).size === items.length, 'must not repeat a value')
    .default([]),
  ttlSeconds: z.number().int().min(1).max(86_400).default(900),
  claims: z.record(z.string().min(1).max(256), adminText().min(1)).superRefine(storableKeys).default({}),
  priority: z.number().int().min(-1000).max(1000).default(0),
  enabled: z.boolean().default(true),
  mode: z.enum(['enforce', 'audit']).default('enforce'),
  expiresAt: z.iso.datetime({ offset: true, message: 'an RFC 3339 time with a time zone' }).optional(),
  tests: z
    .array(policyTestSchema)
    .max(100)
    .refine((tests) => new Set(tests.map((t) => t.name)).size === tests.length, 'test names must not repeat')
    .default([]),
  oneTimeUse: z.boolean().optional(),
});
export type PolicyBody = z.infer<typeof policyBodySchema>;

/** Refuses, as not found, a name no platform or policy can have, before it reaches the database. */
export function requirePossibleName(resource: 'platform' | 'policy', name: string): void {
  if (!RESOURCE_NAME.test(name)) throw new CatalogError('not_found', `no ${resource} has that name`);
}

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
