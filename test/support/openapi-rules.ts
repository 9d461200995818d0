/**
 * The rules of OpenAPI 3.1 (https://spec.openapis.org/oas/v3.1.1) that can be checked without
 * fetching its meta-schema: the required members, path templating and parameters, unique operation
 * ids, response codes, security requirements, references, and schemas written in JSON Schema
 * 2020-12 rather than OpenAPI 3.0's dialect. Returns one line per problem, `where: what`.
 */
export function openApiProblems(doc: unknown): string[] {
  const problems: string[] = [];
  const fail = (where: string, what: string) => problems.push(`${where}: ${what}`);
  if (!isObject(doc)) return ['(document): is not an object'];

  if (typeof doc.openapi !== 'string' || !/^3\.1\.\d+$/.test(doc.openapi)) fail('openapi', 'must be 3.1.x');
  const info = doc.info;
  if (!isObject(info)) fail('info', 'is required');
  else {
    if (typeof info.title !== 'string') fail('info.title', 'is required');
    if (typeof info.version !== 'string') fail('info.version', 'is required');
    if (isObject(info.license) && info.license.identifier !== undefined && info.license.url !== undefined) {
      fail('info.license', 'identifier and url are mutually exclusive');
    }
  }
  if (doc.paths === undefined && doc.components === undefined && doc.webhooks === undefined) {
    fail('(document)', 'needs paths, components or webhooks');
  }
  if (doc.jsonSchemaDialect !== undefined && !isUri(doc.jsonSchemaDialect)) {
    fail('jsonSchemaDialect', 'must be a URI');
  }
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL.has(key) && !key.startsWith('x-')) fail(key, 'is not an OpenAPI member');
  }

  const components = isObject(doc.components) ? doc.components : {};
  for (const [kind, entries] of Object.entries(components)) {
    if (!isObject(entries)) continue;
    for (const name of Object.keys(entries)) {
      if (!/^[a-zA-Z0-9.\-_]+$/.test(name))
        fail(`components.${kind}.${name}`, 'is not a valid component name');
    }
  }
  const schemes = isObject(components.securitySchemes) ? components.securitySchemes : {};
  for (const [name, scheme] of Object.entries(schemes))
    checkSecurityScheme(`components.securitySchemes.${name}`, scheme, fail);
  checkSecurity('security', doc.security, schemes, fail);

  const operationIds = new Map<string, string>();
  const templates = new Map<string, string>();
  for (const [path, item] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
    const where = `paths.${path}`;
    if (!path.startsWith('/')) fail(where, 'must start with /');
    const shape = path.replace(/\{[^}]*\}/g, '{}');
    const clash = templates.get(shape);
    if (clash !== undefined) fail(where, `has the same hierarchy as ${clash} with other parameter names`);
    templates.set(shape, path);
    if (!isObject(item)) {
      fail(where, 'is not a path item');
      continue;
    }
    for (const key of Object.keys(item)) {
      if (!PATH_ITEM.has(key) && !key.startsWith('x-')) fail(`${where}.${key}`, 'is not a path item member');
    }
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      checkOperation(`${where}.${method}`, path, operation, shared, { doc, schemes, operationIds }, fail);
    }
  }

  walk(doc, '#', (value, pointer) => {
    if (typeof value.$ref === 'string' && !resolves(doc, value.$ref))
      fail(pointer, `$ref ${value.$ref} does not resolve`);
  });
  for (const [pointer, schema] of schemasOf(doc)) checkSchema(pointer, schema, fail);
  return problems;
}

type Fail = (where: string, what: string) => void;
type Json = Record<string, unknown>;

const TOP_LEVEL = new Set([
  'openapi',
  'info',
  'jsonSchemaDialect',
  'servers',
  'paths',
  'webhooks',
  'components',
  'security',
  'tags',
  'externalDocs',
]);
const PATH_ITEM = new Set([
  '$ref',
  'summary',
  'description',
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
  'servers',
  'parameters',
]);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const LOCATIONS = new Set(['query', 'header', 'path', 'cookie']);
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);
const JSON_TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'string', 'integer']);
const OPENAPI_30_ONLY = ['nullable', 'x-nullable'];

function checkOperation(
  where: string,
  path: string,
  operation: unknown,
  shared: unknown[],
  context: { doc: Json; schemes: Json; operationIds: Map<string, string> },
  fail: Fail,
): void {
  if (!isObject(operation)) {
    fail(where, 'is not an operation');
    return;
  }
  if (operation.operationId !== undefined) {
    const id =
      typeof operation.operationId === 'string'
        ? operation.operationId
        : JSON.stringify(operation.operationId);
    if (typeof operation.operationId !== 'string') fail(where, 'operationId must be a string');
    const first = context.operationIds.get(id);
    if (first !== undefined) fail(where, `operationId ${id} is also ${first}'s`);
    context.operationIds.set(id, where);
  }
  const own: unknown[] = Array.isArray(operation.parameters) ? operation.parameters : [];
  const parameters = [...shared, ...own].map((p: unknown) =>
    isObject(p) && typeof p.$ref === 'string' ? resolve(context.doc, p.$ref) : p,
  );
  const seen = new Set<string>();
  const inPath = new Set<string>();
  for (const [i, parameter] of parameters.entries()) {
    const at = `${where}.parameters.${i}`;
    if (!isObject(parameter) || typeof parameter.name !== 'string' || typeof parameter.in !== 'string') {
      fail(at, 'needs name and in');
      continue;
    }
    if (!LOCATIONS.has(parameter.in))
      fail(at, `in must be query, header, path or cookie, not ${parameter.in}`);
    const key = `${parameter.in}:${parameter.in === 'header' ? parameter.name.toLowerCase() : parameter.name}`;
    if (seen.has(key)) fail(at, `${parameter.name} (${parameter.in}) is declared twice`);
    seen.add(key);
    if ((parameter.schema === undefined) === (parameter.content === undefined)) {
      fail(at, 'needs exactly one of schema and content');
    }
    if (parameter.in === 'header' && IGNORED_HEADERS.has(parameter.name.toLowerCase())) {
      fail(at, `a header parameter named ${parameter.name} is ignored by OpenAPI`);
    }
    if (parameter.in === 'path') {
      inPath.add(parameter.name);
      if (parameter.required !== true) fail(at, 'a path parameter must be required');
    }
  }
  const templated = [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => name ?? '');
  for (const name of templated) if (!inPath.has(name)) fail(where, `{${name}} has no path parameter`);
  for (const name of inPath)
    if (!templated.includes(name)) fail(where, `path parameter ${name} is not in the path`);

  if (operation.requestBody !== undefined) {
    const body =
      isObject(operation.requestBody) && typeof operation.requestBody.$ref === 'string'
        ? resolve(context.doc, operation.requestBody.$ref)
        : operation.requestBody;
    if (!isObject(body) || !isObject(body.content) || Object.keys(body.content).length === 0) {
      fail(`${where}.requestBody`, 'needs content');
    } else checkContent(`${where}.requestBody.content`, body.content, fail);
  }
  if (!isObject(operation.responses) || Object.keys(operation.responses).length === 0) {
    fail(`${where}.responses`, 'needs at least one response');
  } else {
    for (const [status, response] of Object.entries(operation.responses)) {
      const at = `${where}.responses.${status}`;
      if (status !== 'default' && !/^[1-5](\d\d|XX)$/.test(status)) fail(at, 'is not a status code');
      const resolved =
        isObject(response) && typeof response.$ref === 'string'
          ? resolve(context.doc, response.$ref)
          : response;
      if (!isObject(resolved) || typeof resolved.description !== 'string') fail(at, 'needs a description');
      else if (isObject(resolved.content)) checkContent(`${at}.content`, resolved.content, fail);
    }
  }
  checkSecurity(`${where}.security`, operation.security, context.schemes, fail);
}

function checkContent(where: string, content: Json, fail: Fail): void {
  for (const [type, media] of Object.entries(content)) {
    if (!/^[\w.+-]+\/[\w.+*-]+(;.*)?$|^\*\/\*$/.test(type)) fail(`${where}.${type}`, 'is not a media type');
    if (!isObject(media)) fail(`${where}.${type}`, 'is not a media type object');
  }
}

function checkSecurityScheme(where: string, scheme: unknown, fail: Fail): void {
  if (!isObject(scheme)) return fail(where, 'is not a security scheme');
  switch (scheme.type) {
    case 'http':
      if (typeof scheme.scheme !== 'string') fail(where, 'an http scheme needs scheme');
      return;
    case 'apiKey':
      if (typeof scheme.name !== 'string' || !['query', 'header', 'cookie'].includes(String(scheme.in))) {
        fail(where, 'an apiKey scheme needs name and in');
      }
      return;
    case 'oauth2':
      if (!isObject(scheme.flows)) fail(where, 'an oauth2 scheme needs flows');
      return;
    case 'openIdConnect':
      if (!isUri(scheme.openIdConnectUrl)) fail(where, 'an openIdConnect scheme needs openIdConnectUrl');
      return;
    case 'mutualTLS':
      return;
    default:
      fail(where, `type ${String(scheme.type)} is not a security scheme type`);
  }
}

function checkSecurity(where: string, security: unknown, schemes: Json, fail: Fail): void {
  if (security === undefined) return;
  if (!Array.isArray(security)) return fail(where, 'must be a list');
  for (const requirement of security) {
    if (!isObject(requirement)) {
      fail(where, 'holds a requirement that is not an object');
      continue;
    }
    for (const [name, scopes] of Object.entries(requirement)) {
      if (schemes[name] === undefined) fail(where, `${name} is not a declared security scheme`);
      if (!Array.isArray(scopes)) fail(where, `${name} must list its scopes`);
    }
  }
}

/** Every schema object of the document, by its JSON pointer. */
function schemasOf(doc: Json): [string, unknown][] {
  const found: [string, unknown][] = [];
  const components = isObject(doc.components) ? doc.components : {};
  for (const [name, schema] of Object.entries(isObject(components.schemas) ? components.schemas : {})) {
    found.push([`#/components/schemas/${name}`, schema]);
  }
  walk(doc, '#', (value, pointer) => {
    if (pointer.startsWith('#/components/schemas')) return;
    if ('schema' in value) found.push([`${pointer}/schema`, value.schema]);
  });
  return found;
}

function checkSchema(where: string, schema: unknown, fail: Fail): void {
  if (typeof schema === 'boolean') return;
  if (!isObject(schema)) return fail(where, 'a schema is an object or a boolean');
  for (const keyword of OPENAPI_30_ONLY) {
    if (keyword in schema) fail(where, `${keyword} is OpenAPI 3.0; 3.1 uses type: [..., "null"]`);
  }
  for (const keyword of ['exclusiveMinimum', 'exclusiveMaximum']) {
    if (keyword in schema && typeof schema[keyword] !== 'number')
      fail(where, `${keyword} must be a number in 3.1`);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    for (const type of types)
      if (!JSON_TYPES.has(String(type))) fail(where, `type ${String(type)} is not a JSON type`);
  }
  if (schema.required !== undefined) {
    if (!Array.isArray(schema.required) || schema.required.some((r) => typeof r !== 'string')) {
      fail(where, 'required must list member names');
    }
  }
  if (schema.enum !== undefined && (!Array.isArray(schema.enum) || schema.enum.length === 0)) {
    fail(where, 'enum must be a non-empty list');
  }
  if (typeof schema.pattern === 'string') {
    try {
      new RegExp(schema.pattern, 'u');
    } catch {
      fail(where, `pattern ${schema.pattern} is not a regular expression`);
    }
  }
  for (const keyword of ['properties', 'patternProperties', '$defs', 'dependentSchemas']) {
    const members = schema[keyword];
    if (members === undefined) continue;
    if (!isObject(members)) fail(where, `${keyword} must be an object`);
    else
      for (const [name, sub] of Object.entries(members))
        checkSchema(`${where}/${keyword}/${name}`, sub, fail);
  }
  for (const keyword of [
    'items',
    'additionalProperties',
    'propertyNames',
    'not',
    'contains',
    'if',
    'then',
    'else',
  ]) {
    if (schema[keyword] !== undefined) checkSchema(`${where}/${keyword}`, schema[keyword], fail);
  }
  for (const keyword of ['allOf', 'anyOf', 'oneOf', 'prefixItems']) {
    const list = schema[keyword];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) fail(where, `${keyword} must be a non-empty list`);
    else list.forEach((sub, i) => checkSchema(`${where}/${keyword}/${i}`, sub, fail));
  }
}

function walk(value: unknown, pointer: string, visit: (value: Json, pointer: string) => void): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${pointer}/${i}`, visit));
    return;
  }
  if (!isObject(value)) return;
  visit(value, pointer);
  for (const [key, item] of Object.entries(value)) {
    walk(item, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, visit);
  }
}

function resolves(doc: Json, ref: string): boolean {
  return ref.startsWith('#') && resolve(doc, ref) !== undefined;
}

function resolve(doc: Json, ref: string): unknown {
  let target: unknown = doc;
  for (const part of ref
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '')) {
    if (!isObject(target) && !Array.isArray(target)) return undefined;
    target = (target as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return target;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isUri(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
