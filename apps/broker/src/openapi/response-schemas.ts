import { z } from 'zod';
import { ADMIN_ROLES } from '@fedbroker/admin-credentials';
import { platformBodySchema, policyBodySchema } from '@fedbroker/catalog';
import { CHANGE_RESOURCES } from '@fedbroker/history';

/**
 * What the broker answers, as the OpenAPI document describes it. The e2e suite parses real answers
 * with these schemas (strict: a member they do not list fails), so the document cannot drift from
 * what is sent. Request bodies and queries are described by the schemas the controllers parse with.
 */
const time = z.iso.datetime().describe('RFC 3339, UTC');
const stored = { id: z.uuid(), version: z.int().min(1), createdAt: time, updatedAt: time };
const nullable = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);

export const problemSchema = z
  .strictObject({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    errors: z
      .array(z.strictObject({ field: z.string(), message: z.string() }))
      .optional()
      .describe('The fields at fault: a body member, a query or path parameter, (body), Content-Type'),
    conflicts: z
      .array(z.strictObject({ resource: z.string(), name: z.string() }))
      .optional()
      .describe('What a refused write collides with (409)'),
  })
  .describe('RFC 9457 problem details');

export const platformSchema = platformBodySchema
  .extend({ ...stored, audiences: z.array(z.string()), settings: z.record(z.string(), z.unknown()) })
  .describe('A platform as the admin API shows it');

export const keyStatusSchema = z
  .strictObject({
    ok: z.boolean(),
    keyCount: z.int().describe('The keys that can verify a token'),
    error: z.string().optional(),
    unusableKeys: z
      .array(z.string())
      .optional()
      .describe('Keys of the set that can never verify a token (`keys[1] (kid "…"): why`), not counted'),
  })
  .describe('Whether the keys could be fetched, how many can verify a token, and if not why');

export const platformWriteSchema = platformSchema
  .extend({
    keys: keyStatusSchema.describe('Whether the keys could be fetched; the platform is saved either way'),
  })
  .describe('A written platform, and whether its keys could be fetched');

export const policySchema = policyBodySchema
  .extend(stored)
  .describe('A trust policy as the admin API shows it');

const warningSchema = z
  .strictObject({
    code: z.string().describe('ttl_capped, mutable_names, takes_over or already_expired'),
    field: z
      .string()
      .describe('The member it is about; in an apply, prefixed by the item (policies.3.ttlSeconds)'),
    message: z.string(),
    policy: z.string().optional().describe('For takes_over: the policy whose exchanges this one takes'),
  })
  .describe('What a saved write will not do as it seems to say; it never refuses the write');

export const policyValidationSchema = z
  .strictObject({
    valid: z.boolean().describe('Whether a save would accept the body'),
    errors: z
      .array(z.strictObject({ field: z.string(), message: z.string() }))
      .describe('Every problem a save would be refused for, as a 400 would list them'),
    warnings: z.array(warningSchema).describe('What a save would warn about, when it would be accepted'),
  })
  .describe('What a save of the body would answer; nothing is saved');

export const principalSchema = z
  .strictObject({
    actor: z.string().describe("bootstrap, or the credential's id"),
    role: z.enum(['admin', 'auditor']),
  })
  .describe('Who the presented credential acts as');

export const policyWriteSchema = policySchema
  .extend({ warnings: z.array(warningSchema) })
  .describe('A written policy, and what the broker warns about it');

export const policyTestsSchema = z.strictObject({
  results: z.array(
    z.strictObject({
      name: z.string(),
      passed: z.boolean(),
      outcome: z.enum(['match', 'no_match', 'error']),
      reason: z.string(),
    }),
  ),
});

const appliedSchema = z.array(z.strictObject({ resource: z.enum(['platform', 'policy']), name: z.string() }));

export const applyResultSchema = z.strictObject({
  created: appliedSchema,
  updated: appliedSchema,
  unchanged: appliedSchema,
  warnings: z.array(warningSchema),
});

export const itemsOf = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item) });

export const credentialSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(ADMIN_ROLES),
  createdAt: time,
});

export const issuedCredentialSchema = credentialSchema
  .extend({ credential: z.string().describe('The secret, shown in this answer only') })
  .describe('A new credential with its secret');

export const signingKeySchema = z.strictObject({
  kid: z.string().describe('The RFC 7638 thumbprint of the public key'),
  alg: z.string(),
  status: z
    .enum(['pending', 'current', 'retiring', 'retired'])
    .describe('pending: published, not signing yet; current: signs; retiring: published, no longer signs'),
  createdAt: time,
  activatesAt: nullable(time),
  retiresAt: nullable(time).describe("Its successor's activation; null while it has none"),
  publishUntil: nullable(time).describe('Until when it stays in /jwks: the last expiry of what it signed'),
});

export const rewrapReportSchema = z.strictObject({
  rewrapped: z.array(z.string()).describe('Keys moved from a previous key-encryption key'),
  unchanged: z.array(z.string()).describe('Keys already under FEDBROKER_KEY_ENCRYPTION_KEY'),
  unreadable: z.array(z.string()).describe('Retired keys no configured key-encryption key opens'),
});

export const auditEventSchema = z.strictObject({
  id: z.uuid(),
  time,
  requestId: z.string(),
  grantType: nullable(z.string()),
  outcome: z.enum(['issued', 'denied']),
  error: nullable(z.string()),
  reason: nullable(z.string()),
  platform: nullable(z.string()),
  issuer: nullable(z.string()),
  subject: nullable(z.string()),
  policy: nullable(z.string()),
  audience: nullable(z.array(z.string())),
  scopes: nullable(z.array(z.string())),
  tokenId: nullable(z.string()),
  expiresAt: nullable(time),
  clientId: nullable(z.string()),
  clientIp: nullable(z.string()),
  userAgent: nullable(z.string()),
  subjectTokenSha256: nullable(z.string()),
  actorSubject: nullable(z.string()),
  issuedSubject: nullable(z.string()).describe('The sub of the token issued'),
  unverified: nullable(
    z.strictObject({
      issuer: nullable(z.string()),
      subject: nullable(z.string()),
      tokenId: nullable(z.string()),
    }),
  ).describe('For a refusal at verification: what the credential said of itself, never verified'),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    items: z.array(item),
    nextCursor: nullable(z.string()).describe('Pass as cursor for the next page; null on the last'),
  });

export const auditChainReportSchema = z.strictObject({
  ok: z.boolean(),
  checked: z.int(),
  firstBroken: nullable(
    z.strictObject({
      id: z.string(),
      chainId: nullable(z.string()),
      sequence: nullable(z.int()),
      reason: z.string(),
    }),
  ),
  unchained: z.int(),
});

export const changeSchema = z.strictObject({
  id: z.uuid(),
  time,
  actor: z.string().describe('The credential id, bootstrap, or broker for what the broker does itself'),
  action: z.enum(['create', 'update', 'delete']),
  resource: z.enum(CHANGE_RESOURCES),
  name: z.string(),
  version: nullable(z.int()),
  before: nullable(z.record(z.string(), z.unknown())),
  after: nullable(z.record(z.string(), z.unknown())),
});

const presentedSchema = z
  .strictObject({
    tokenType: z.string(),
    header: nullable(z.record(z.string(), z.unknown())),
    claims: nullable(z.record(z.string(), z.unknown())),
  })
  .describe('The credential as presented, unverified: header and claims are null when it is not a JWT');

export const explainReportSchema = z.strictObject({
  platform: nullable(z.strictObject({ name: z.string(), kind: z.string(), issuer: z.string() })),
  presented: presentedSchema,
  steps: z.array(
    z.strictObject({
      step: z.string(),
      ok: z.boolean(),
      detail: z.string(),
      check: z.string().optional().describe('The verification check that refused the credential'),
      presented: presentedSchema.optional(),
    }),
  ),
  identity: nullable(z.record(z.string(), z.unknown())).describe('The normalized identity'),
  ranking: z.string().describe('How /token ranks policies'),
  policies: z
    .array(
      z.strictObject({
        policy: z.string(),
        result: z.enum(['matched', 'not_matched', 'error', 'disabled', 'expired']),
        reason: z.string().optional(),
        rank: z.int(),
        priority: z.int(),
        mode: z.enum(['enforce', 'audit']),
        falseConjunct: z
          .strictObject({ expression: z.string(), position: z.int(), of: z.int() })
          .optional()
          .describe('For a false && chain: its first false part'),
      }),
    )
    .describe('Every policy of the platform, ranked as /token ranks them: priority, then name'),
  auditMode: z
    .array(
      z.strictObject({
        policy: z.string(),
        verdict: z.enum(['would_grant', 'would_fail', 'outranked', 'no_match', 'error', 'expired']),
        reason: z.string().optional(),
      }),
    )
    .describe('What each audit-mode policy would have done had it been enforced'),
  decision: z.union([
    z.strictObject({
      outcome: z.literal('issue'),
      policy: z.string(),
      subject: z.string(),
      audience: z.array(z.string()),
      scopes: z.array(z.string()),
      ttlSeconds: z.int(),
      claims: z.record(z.string(), z.unknown()),
    }),
    z.strictObject({ outcome: z.literal('deny'), error: z.string(), reason: z.string() }),
  ]),
});

export const tokenResponseSchema = z.strictObject({
  access_token: z.string().describe('An RFC 9068 JWT access token'),
  issued_token_type: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.int(),
  scope: z.string().optional(),
});

export const oauthErrorSchema = z
  .strictObject({ error: z.string(), error_description: z.string().optional() })
  .describe('RFC 6749 §5.2');

export const metadataSchema = z
  .looseObject({
    issuer: z.url(),
    token_endpoint: z.url(),
    jwks_uri: z.url(),
    grant_types_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    token_endpoint_auth_signing_alg_values_supported: z.array(z.string()),
    access_token_signing_alg_values_supported: z
      .array(z.string())
      .describe('Algorithms of the keys in /jwks, the current one first'),
  })
  .describe('RFC 8414 authorization server metadata');

export const jwksSchema = z
  .strictObject({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string(), alg: z.string() })) })
  .describe('RFC 7517 JWK Set: the public keys that verify issued tokens');

export const livenessSchema = z.strictObject({ status: z.literal('ok') });

export const readinessSchema = z.strictObject({
  status: z.enum(['ready', 'unavailable']),
  checks: z.strictObject({ accepting: z.boolean(), database: z.boolean(), signingKey: z.boolean() }),
});
