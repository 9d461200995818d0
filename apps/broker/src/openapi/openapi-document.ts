import { z } from 'zod';
import { OPERATIONS, type Access, type Answer, type Operation, type Refusal } from './operations';
import { problemSchema } from './response-schemas';

type JsonSchema = Record<string, unknown>;
type Json = Record<string, unknown>;

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';
const PROBLEM_TYPE = 'application/problem+json';

/** The admin refusals every guarded operation may answer, as shared responses. */
const REFUSALS: Record<Refusal, { status: number; description: string }> = {
  Invalid: { status: 400, description: 'A body, query or path parameter is not valid (errors names each)' },
  Unauthorized: { status: 401, description: 'No credential, or one the broker does not know' },
  Forbidden: { status: 403, description: "The credential's role may not do this" },
  NotFound: { status: 404, description: 'No resource has that name (or id)' },
  Conflict: { status: 409, description: 'The write collides with a stored resource (conflicts names it)' },
  PreconditionFailed: { status: 412, description: 'If-Match is stale: read the resource again' },
  TooLarge: { status: 413, description: 'A body over 1 MiB' },
  UnsupportedMediaType: {
    status: 415,
    description: 'A body that is not JSON (or, for PATCH, a merge patch)',
  },
  PreconditionRequired: { status: 428, description: 'If-Match is required' },
};

const PATH_PARAMETERS: Record<string, Json> = {
  name: { description: "The resource's name", schema: { type: 'string' } },
  id: { description: "The credential's id", schema: { type: 'string', format: 'uuid' } },
  file: { description: 'A file of the console, e.g. main.js', schema: { type: 'string' } },
};

/** The OpenAPI 3.1 document of the broker's HTTP API: `/token`, discovery, health and `/admin/v1`. */
export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const operation of OPERATIONS) {
    paths[operation.path] = { ...paths[operation.path], [operation.method]: operationObject(operation) };
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'fedbroker',
      version: 'v1',
      summary: 'A security token service for workloads',
      description:
        'A workload presents the identity token its platform gave it at POST /token (RFC 8693, RFC 7523) and receives an RFC 9068 access token; operators manage platforms and CEL trust policies through the admin API. With FEDBROKER_ADMIN_PORT set, /admin, /metrics, /openapi.json, /docs and /console are served on the admin listener only.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    jsonSchemaDialect: DIALECT,
    tags: [...new Set(OPERATIONS.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Problem: jsonSchema(problemSchema, 'output') },
      responses: Object.fromEntries(
        Object.entries(REFUSALS).map(([name, { description }]) => [
          name,
          { description, content: { [PROBLEM_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } } },
        ]),
      ),
      securitySchemes: {
        adminCredential: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An admin credential: FEDBROKER_ADMIN_TOKEN, the one generated on first start, or one made with POST /admin/v1/credentials. Roles: admin (everything) and auditor (reads and explain).',
        },
      },
    },
  };
}

function operationObject(operation: Operation): Json {
  const parameters = [
    ...pathParameters(operation.path),
    ...queryParameters(operation),
    ...ifMatch(operation),
  ];
  return {
    tags: [operation.tag],
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    operationId: operationId(operation),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body ? { requestBody: requestBody(operation.body) } : {}),
    responses: { ...answers(operation.answers), ...refusals(operation) },
    security: operation.access === 'public' ? [] : [{ adminCredential: [] }],
    'x-fedbroker-roles': roles(operation.access),
  };
}

function roles(access: Access): string[] {
  switch (access) {
    case 'public':
      return [];
    case 'auditor':
      return ['admin', 'auditor'];
    case 'admin':
      return ['admin'];
  }
}

/** `getAdminV1PlatformsByName`, from the method and path. */
function operationId({ method, path }: Operation): string {
  const words = path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      const parameter = /^\{(.+)\}$/.exec(segment)?.[1];
      const word = parameter === undefined ? segment : `by-${parameter}`;
      return word.replace(/[^A-Za-z0-9]+(.)?/g, (_match, next: string | undefined) =>
        (next ?? '').toUpperCase(),
      );
    });
  return [method, ...words.map((word) => word.charAt(0).toUpperCase() + word.slice(1))].join('');
}

function pathParameters(path: string): Json[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map(([, name = '']) => ({
    name,
    in: 'path',
    required: true,
    ...PATH_PARAMETERS[name],
  }));
}

function queryParameters(operation: Operation): Json[] {
  if (!operation.query) return [];
  const schema = jsonSchema(operation.query, 'input');
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: 'query',
      ...(required.has(name) ? { required: true } : {}),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function ifMatch(operation: Operation): Json[] {
  if (!operation.ifMatch) return [];
  return [
    {
      name: 'If-Match',
      in: 'header',
      required: true,
      description: 'The ETag last read ("3"), or * for any version',
      schema: { type: 'string' },
    },
  ];
}

function requestBody(body: NonNullable<Operation['body']>): Json {
  let schema = jsonSchema(body.schema, 'input');
  if (body.contentType === 'application/merge-patch+json') schema = nullableMembers(schema);
  const form = body.contentType === 'application/x-www-form-urlencoded';
  return {
    ...(body.description ? { description: body.description } : {}),
    required: !body.schema.safeParse(undefined).success,
    content: {
      [body.contentType]: {
        schema,
        ...(form ? { encoding: { audience: { explode: true }, resource: { explode: true } } } : {}),
      },
    },
  };
}

/** A merge patch may set any member to null, which removes it (RFC 7396). */
function nullableMembers(schema: JsonSchema): JsonSchema {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  return {
    ...schema,
    properties: Object.fromEntries(
      Object.entries(properties).map(([name, property]) => [name, { anyOf: [property, { type: 'null' }] }]),
    ),
  };
}

function answers(all: Record<number, Answer>): Json {
  return Object.fromEntries(
    Object.entries(all).map(([status, answer]) => [
      status,
      {
        description: answer.description,
        ...(answer.headers
          ? {
              headers: Object.fromEntries(
                Object.entries(answer.headers).map(([name, description]) => [
                  name,
                  { description, schema: { type: 'string' } },
                ]),
              ),
            }
          : {}),
        ...(answer.schema || answer.contentType
          ? {
              content: Object.fromEntries(
                [answer.contentType ?? 'application/json']
                  .flat()
                  .map((type) => [
                    type,
                    answer.schema ? { schema: jsonSchema(answer.schema, 'output') } : {},
                  ]),
              ),
            }
          : {}),
      },
    ]),
  );
}

/** The problem answers an admin operation may give: its own list, or the usual ones for what it takes. */
function refusals(operation: Operation): Json {
  if (operation.access === 'public') return {};
  const names: Refusal[] = operation.refuses ? [...operation.refuses] : usualRefusals(operation);
  return Object.fromEntries(
    names.map((name) => [String(REFUSALS[name].status), { $ref: `#/components/responses/${name}` }]),
  );
}

function usualRefusals(operation: Operation): Refusal[] {
  const names: Refusal[] = ['Unauthorized', 'Forbidden'];
  const takesInput = operation.body !== undefined || operation.query !== undefined;
  if (takesInput || operation.path.includes('{')) names.unshift('Invalid');
  if (operation.path.includes('{')) names.push('NotFound');
  if (operation.method !== 'get') names.push('Conflict');
  if (operation.ifMatch) names.push('PreconditionFailed');
  if (operation.body) names.push('TooLarge', 'UnsupportedMediaType');
  if (operation.ifMatch) names.push('PreconditionRequired');
  return names;
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}
