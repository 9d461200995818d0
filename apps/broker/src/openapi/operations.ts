import { z } from 'zod';
import { credentialBodySchema } from '@fedbroker/admin-credentials';
import {
  MAX_APPLIED_PLATFORMS,
  MAX_APPLIED_POLICIES,
  platformBodySchema,
  policyBodySchema,
} from '@fedbroker/catalog';
import { auditFiltersSchema } from '../admin/audit-events.controller';
import { changeFiltersSchema } from '../admin/changes.controller';
import { explainBodySchema } from '../admin/explain.controller';
import { policyListQuerySchema } from '../admin/policies.controller';
import { rewrapBodySchema, rotateBodySchema } from '../admin/signing-keys.controller';
import * as answers from './response-schemas';
import { tokenRequestSchema } from './token-request-schema';

/** Who may call an operation: anyone, an auditor or admin credential, or an admin credential only. */
export type Access = 'public' | 'auditor' | 'admin';

/** One answer of an operation: a JSON schema, or another media type described in words. */
export interface Answer {
  description: string;
  schema?: z.ZodType;
  /** The media types it may come in; JSON when unsaid. */
  contentType?: string | readonly string[];
  headers?: Record<string, string>;
}

/** The problems of the admin API an operation may answer (`openapi-document.ts` has them all). */
export type Refusal =
  | 'Invalid'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'PreconditionFailed'
  | 'TooLarge'
  | 'UnsupportedMediaType'
  | 'PreconditionRequired';

/** One operation of the broker's HTTP API, as the OpenAPI document describes it. */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The OpenAPI path template, e.g. `/admin/v1/platforms/{name}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  /** The query parameters: the schema the controller parses the query with. */
  query?: z.ZodObject;
  /** The body: the schema the controller (or library) parses it with. */
  body?: { schema: z.ZodType; contentType: string; description?: string };
  /** `If-Match` is required (`428` without it, `412` when stale). */
  ifMatch?: boolean;
  answers: Record<number, Answer>;
  /** Its admin refusals when they are not the usual ones for its method and path. */
  refuses?: readonly Refusal[];
}

const JSON_TYPE = 'application/json';
const MERGE_PATCH = 'application/merge-patch+json';
const ETAG = { ETag: 'The version, quoted ("3"): send it back as If-Match' };

const created = (description: string, schema: z.ZodType): Record<number, Answer> => ({
  201: { description, schema, headers: { ...ETAG, Location: 'The new resource' } },
});

function resource(kind: 'platform' | 'policy', plural: string): Operation[] {
  const Kind = kind === 'platform' ? 'Platform' : 'Policy';
  const view = kind === 'platform' ? answers.platformSchema : answers.policySchema;
  const written = kind === 'platform' ? answers.platformWriteSchema : answers.policyWriteSchema;
  const body = kind === 'platform' ? platformBodySchema : policyBodySchema;
  const collection = `/admin/v1/${plural}`;
  const item = `${collection}/{name}`;
  const tag = kind === 'platform' ? 'Platforms' : 'Policies';
  return [
    {
      method: 'get',
      path: collection,
      tag,
      summary: `List the ${plural}`,
      access: 'auditor',
      ...(kind === 'policy' ? { query: policyListQuerySchema } : {}),
      answers: { 200: { description: `Every ${kind}`, schema: answers.itemsOf(view) } },
    },
    {
      method: 'post',
      path: collection,
      tag,
      summary: `Create a ${kind}`,
      access: 'admin',
      body: { schema: body, contentType: JSON_TYPE },
      answers: created(`The ${kind} as stored`, written),
    },
    {
      method: 'get',
      path: item,
      tag,
      summary: `Read a ${kind}`,
      access: 'auditor',
      answers: { 200: { description: `The ${kind}`, schema: view, headers: ETAG } },
    },
    {
      method: 'put',
      path: item,
      tag,
      summary: `Replace a ${kind}`,
      description: `A body read with GET may be sent back as it is: read-only members are accepted when they agree. A PUT that changes nothing keeps the version.`,
      access: 'admin',
      ifMatch: true,
      body: { schema: body, contentType: JSON_TYPE },
      answers: { 200: { description: `The ${kind} as stored`, schema: written, headers: ETAG } },
    },
    {
      method: 'patch',
      path: item,
      tag,
      summary: `Change some members of a ${kind}`,
      access: 'admin',
      ifMatch: true,
      body: {
        schema: body.partial(),
        contentType: MERGE_PATCH,
        description: `A JSON merge patch (RFC 7396) of the ${kind} as GET shows it: members given replace, objects merge, null removes`,
      },
      answers: { 200: { description: `The ${kind} as stored`, schema: written, headers: ETAG } },
    },
    {
      method: 'delete',
      path: item,
      tag,
      summary: `Delete a ${kind}`,
      ...(kind === 'platform' ? { description: 'Refused (409, naming them) while policies use it.' } : {}),
      access: 'admin',
      ifMatch: true,
      answers: { 204: { description: `${Kind} deleted` } },
      ...(kind === 'policy'
        ? {
            refuses: [
              'Invalid',
              'Unauthorized',
              'Forbidden',
              'NotFound',
              'PreconditionFailed',
              'PreconditionRequired',
            ] as const,
          }
        : {}),
    },
  ];
}

/** Every operation the broker serves, in the order the reference lists them. */
export const OPERATIONS: readonly Operation[] = [
  {
    method: 'post',
    path: '/token',
    tag: 'Token',
    summary: 'Exchange a platform token for an access token',
    description:
      "RFC 8693 token exchange, RFC 7523 JWT bearer grant, or client credentials with an RFC 7523 client assertion. A body over 64 KiB or a token over 16 KiB is refused before it is parsed; every parameter may appear once, but audience and resource may repeat. The only client authentication is the client assertion of client_credentials: no client_secret, no HTTP Basic. Errors follow RFC 6749 §5.2 and each grant's RFC. Every request, granted or denied, is one audit event, written before the answer leaves.",
    access: 'public',
    body: { schema: tokenRequestSchema, contentType: 'application/x-www-form-urlencoded' },
    answers: {
      200: {
        description: 'An RFC 9068 access token (Cache-Control: no-store)',
        schema: answers.tokenResponseSchema,
      },
      400: {
        description:
          'invalid_request, invalid_grant, invalid_target, invalid_scope or unsupported_grant_type',
        schema: answers.oauthErrorSchema,
      },
      401: {
        description:
          'invalid_client: a bad client assertion, or client authentication the broker does not support (HTTP Basic, client_secret, a client assertion with another grant, two methods at once)',
        schema: answers.oauthErrorSchema,
        headers: { 'WWW-Authenticate': "The scheme of the request's Authorization header, else Bearer" },
      },
      405: { description: 'Only POST (Allow: POST)', schema: answers.oauthErrorSchema },
      413: { description: 'A body over 64 KiB', schema: answers.oauthErrorSchema },
      429: {
        description: 'temporarily_unavailable: a rate limit',
        schema: answers.oauthErrorSchema,
        headers: { 'Retry-After': 'Seconds to wait' },
      },
      503: {
        description: 'temporarily_unavailable: the database or the platform cannot be reached',
        schema: answers.oauthErrorSchema,
      },
    },
  },
  ...(['oauth-authorization-server', 'openid-configuration'] as const).map((name): Operation => ({
    method: 'get',
    path: `/.well-known/${name}`,
    tag: 'Discovery',
    summary:
      name === 'oauth-authorization-server' ? 'RFC 8414 metadata' : 'The same metadata, at the OpenID path',
    access: 'public',
    answers: { 200: { description: 'The metadata', schema: answers.metadataSchema } },
  })),
  {
    method: 'get',
    path: '/jwks',
    tag: 'Discovery',
    summary: 'The public keys that verify issued tokens',
    description:
      'Pending keys (published before they sign), the current key, and retiring keys until what they signed has expired.',
    access: 'public',
    answers: {
      200: { description: 'A JWK Set', schema: answers.jwksSchema, contentType: 'application/jwk-set+json' },
    },
  },
  {
    method: 'get',
    path: '/healthz',
    tag: 'Health',
    summary: 'Whether the process is alive',
    access: 'public',
    answers: { 200: { description: 'Alive', schema: answers.livenessSchema } },
  },
  {
    method: 'get',
    path: '/readyz',
    tag: 'Health',
    summary: 'Whether the database answers and a signing key is loaded',
    access: 'public',
    answers: {
      200: { description: 'Ready', schema: answers.readinessSchema },
      503: { description: 'Not ready, and why', schema: answers.readinessSchema },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'Health',
    summary: 'Prometheus metrics',
    description:
      'The Prometheus text exposition format, unauthenticated as scrapers expect; with FEDBROKER_ADMIN_PORT set, on the admin listener only.',
    access: 'public',
    answers: { 200: { description: 'The metrics', contentType: 'text/plain' } },
  },
  ...resource('platform', 'platforms'),
  ...resource('policy', 'policies'),
  {
    method: 'post',
    path: '/admin/v1/policies/{name}/test',
    tag: 'Policies',
    summary: "Run a policy's tests",
    description: 'Runs the tests stored with the policy against it as stored; writes nothing.',
    access: 'auditor',
    answers: { 200: { description: 'One result a test', schema: answers.policyTestsSchema } },
    refuses: ['Invalid', 'Unauthorized', 'Forbidden', 'NotFound'],
  },
  {
    method: 'get',
    path: '/admin/v1/platforms/{name}/keys',
    tag: 'Platforms',
    summary: "Whether a platform's keys can be fetched now",
    description:
      "Fetches the platform's key source now, past the cache (inline keys and certificates are counted): what a write reports under keys.",
    access: 'auditor',
    answers: { 200: { description: 'The state of its keys', schema: answers.keyStatusSchema } },
  },
  {
    method: 'post',
    path: '/admin/v1/policies/validate',
    tag: 'Policies',
    summary: 'What a save of a policy would answer, saving nothing',
    description:
      "Every problem a save would refuse the body for (members, platform, expressions compiled against the platform kind, guard rails, its tests), all at once, or its warnings. A body that is not a valid policy is answered 200 with its problems; an incomplete one still has its expressions compiled. Names are not compared with other policies'. Writes nothing: auditors may call it.",
    access: 'auditor',
    body: { schema: policyBodySchema, contentType: JSON_TYPE, description: 'A policy, whole or not' },
    answers: { 200: { description: 'The verdict', schema: answers.policyValidationSchema } },
    refuses: ['Invalid', 'Unauthorized', 'Forbidden', 'TooLarge', 'UnsupportedMediaType'],
  },
  {
    method: 'post',
    path: '/admin/v1/apply',
    tag: 'Policies',
    summary: 'Create or update platforms and policies by name, all or nothing',
    description:
      'In one transaction with one catalog change; a body with any invalid item is refused with one 400 listing every invalid item (policies.3.condition), applying nothing. Bodies up to 32 MiB.',
    access: 'admin',
    body: {
      schema: z.strictObject({
        platforms: z.array(platformBodySchema).max(MAX_APPLIED_PLATFORMS).default([]),
        policies: z.array(policyBodySchema).max(MAX_APPLIED_POLICIES).default([]),
      }),
      contentType: JSON_TYPE,
      description: 'Each item is the body of a POST or PUT of its resource',
    },
    answers: { 200: { description: 'What was done with each resource', schema: answers.applyResultSchema } },
  },
  {
    method: 'post',
    path: '/admin/v1/explain',
    tag: 'Explain',
    summary: 'What /token would decide for a credential, and why',
    description: 'Runs the same decision steps as /token, issuing and auditing nothing.',
    access: 'auditor',
    body: { schema: explainBodySchema, contentType: JSON_TYPE },
    answers: { 200: { description: 'The report', schema: answers.explainReportSchema } },
    refuses: ['Invalid', 'Unauthorized', 'Forbidden', 'TooLarge', 'UnsupportedMediaType'],
  },
  {
    method: 'get',
    path: '/admin/v1/audit-events',
    tag: 'Audit',
    summary: 'The audit events, newest first',
    access: 'auditor',
    query: auditFiltersSchema,
    answers: { 200: { description: 'One page', schema: answers.pageOf(answers.auditEventSchema) } },
  },
  {
    method: 'get',
    path: '/admin/v1/audit-events/verify',
    tag: 'Audit',
    summary: 'Check the hash chains of the audit events',
    description:
      'Walks every chain; the request lasts as long as the walk (fedbroker audit verify does the same from a shell).',
    access: 'auditor',
    answers: { 200: { description: 'The report', schema: answers.auditChainReportSchema } },
  },
  {
    method: 'get',
    path: '/admin/v1/signing-keys',
    tag: 'Signing keys',
    summary: 'The signing keys and where each stands',
    access: 'auditor',
    answers: {
      200: { description: 'Every key, newest first', schema: answers.itemsOf(answers.signingKeySchema) },
    },
  },
  {
    method: 'post',
    path: '/admin/v1/signing-keys/rotate',
    tag: 'Signing keys',
    summary: 'Publish a new signing key',
    description:
      'The new key signs activateAfterSeconds later (0: at once); the old one stays published until what it signed has expired. 409 while a key is pending.',
    access: 'admin',
    body: { schema: rotateBodySchema, contentType: JSON_TYPE },
    answers: { 201: { description: 'The new key', schema: answers.signingKeySchema } },
  },
  {
    method: 'post',
    path: '/admin/v1/signing-keys/rewrap',
    tag: 'Signing keys',
    summary: 'Rewrap every stored key under FEDBROKER_KEY_ENCRYPTION_KEY',
    description:
      'In one transaction, on the replica that answers. Call it once every replica has the new key-encryption key (the previous ones in FEDBROKER_PREVIOUS_KEY_ENCRYPTION_KEYS). 409 when a key in use opens under none of them.',
    access: 'admin',
    body: { schema: rewrapBodySchema, contentType: JSON_TYPE },
    answers: { 200: { description: 'What happened to each key', schema: answers.rewrapReportSchema } },
  },
  {
    method: 'get',
    path: '/admin/v1/credentials',
    tag: 'Credentials',
    summary: 'The admin credentials, never their secrets',
    access: 'admin',
    answers: {
      200: { description: 'Every stored credential', schema: answers.itemsOf(answers.credentialSchema) },
    },
  },
  {
    method: 'post',
    path: '/admin/v1/credentials',
    tag: 'Credentials',
    summary: 'Make a credential',
    description: 'The secret is in this answer only (Cache-Control: no-store); the broker keeps its digest.',
    access: 'admin',
    body: { schema: credentialBodySchema, contentType: JSON_TYPE },
    answers: {
      201: { description: 'The credential and its secret', schema: answers.issuedCredentialSchema },
    },
  },
  {
    method: 'delete',
    path: '/admin/v1/credentials/{id}',
    tag: 'Credentials',
    summary: 'Revoke a credential, at once on every replica',
    access: 'admin',
    answers: { 204: { description: 'Revoked' } },
    refuses: ['Unauthorized', 'Forbidden', 'NotFound', 'PreconditionFailed'],
  },
  {
    method: 'get',
    path: '/admin/v1/me',
    tag: 'Credentials',
    summary: 'Who the presented credential acts as',
    access: 'auditor',
    answers: { 200: { description: 'Its actor and role', schema: answers.principalSchema } },
  },
  {
    method: 'get',
    path: '/admin/v1/changes',
    tag: 'History',
    summary: 'Every admin write, newest first',
    access: 'auditor',
    query: changeFiltersSchema,
    answers: { 200: { description: 'One page', schema: answers.pageOf(answers.changeSchema) } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    tag: 'Reference',
    summary: 'This document',
    access: 'public',
    answers: { 200: { description: 'OpenAPI 3.1' } },
  },
  {
    method: 'get',
    path: '/docs',
    tag: 'Reference',
    summary: 'A reference page rendering this document',
    access: 'public',
    answers: { 200: { description: 'HTML', contentType: 'text/html' } },
  },
  ...(
    [
      ['docs.js', 'text/javascript', 'script'],
      ['docs.css', 'text/css', 'style'],
    ] as const
  ).map(([file, contentType, what]): Operation => ({
    method: 'get',
    path: `/docs/${file}`,
    tag: 'Reference',
    summary: `The reference page's ${what}`,
    access: 'public',
    answers: { 200: { description: file, contentType } },
  })),
  {
    method: 'get',
    path: '/console',
    tag: 'Console',
    summary: 'The admin console',
    description:
      "A web console over this API (docs/console.md), under a strict Content-Security-Policy; it signs in with an admin or auditor credential kept in the tab's sessionStorage.",
    access: 'public',
    answers: {
      200: { description: 'HTML', contentType: 'text/html' },
      304: { description: 'Not modified since the ETag sent as If-None-Match' },
    },
  },
  {
    method: 'get',
    path: '/console/{file}',
    tag: 'Console',
    summary: "The console's modules, styles and images",
    access: 'public',
    answers: {
      200: {
        description: 'The file',
        contentType: ['text/javascript', 'text/css', 'image/svg+xml', 'text/html'],
      },
      304: { description: 'Not modified since the ETag sent as If-None-Match' },
      404: { description: 'No console file has that name', contentType: 'application/problem+json' },
    },
  },
];
