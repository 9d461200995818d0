import type { DataSource } from 'typeorm';
import { PlatformEntity } from '@fedbroker/persistence';
import type { AdapterRegistry, PlatformKind } from '@fedbroker/platforms';
import { compilePolicy, PolicyCompileError, type PolicySchema } from '@fedbroker/policy';
import type { FieldProblem } from './catalog.error';
import { isPossibleName, parseBody, policyBodySchema } from './catalog-schemas';
import { policySchemaFor } from './policy-schema-for';

type Draft = Record<string, unknown>;

/**
 * Every problem a write of `input` as a policy would be refused for — its members, its platform,
 * and each expression compiled against that platform's kind — found without storing anything.
 *
 * Unlike a write, which stops at the first kind of problem, it reports them all at once: an
 * expression is compiled even while another member is missing or wrong, so that an editor can show
 * whether the expression being typed compiles. Names are not compared with other policies'.
 */
export async function checkPolicy(
  dataSource: DataSource,
  adapters: AdapterRegistry,
  input: unknown,
): Promise<FieldProblem[]> {
  const parsed = parseBody(policyBodySchema, input);
  const problems = parsed.ok ? [] : parsed.problems;
  if (!isDraft(input)) return problems;
  const platform = await platformProblemOrSchema(dataSource, adapters, input.platform);
  if ('problem' in platform) problems.push(platform.problem);
  const alreadyWrong = (field: string) =>
    problems.some((p) => p.field === field || field.startsWith(`${p.field}.`));
  for (const problem of expressionProblems(input, platform.schema)) {
    if (!alreadyWrong(problem.field)) problems.push(problem);
  }
  return problems;
}

function isDraft(input: unknown): input is Draft {
  return typeof input === 'object' && input !== null && !Array.isArray(input);
}

async function platformProblemOrSchema(
  dataSource: DataSource,
  adapters: AdapterRegistry,
  name: unknown,
): Promise<{ schema?: PolicySchema } | { problem: FieldProblem; schema?: undefined }> {
  if (!isPossibleName(name)) return {};
  const platform = await dataSource.getRepository(PlatformEntity).findOneBy({ name });
  if (!platform) return { problem: { field: 'platform', message: `no platform named ${name}` } };
  const kind = platform.kind as PlatformKind;
  return adapters.has(kind) ? { schema: policySchemaFor(adapters, kind) } : {};
}

/** The expressions' problems, worded as a write words them (`<expression>: <message>`). */
function expressionProblems(draft: Draft, schema: PolicySchema | undefined): FieldProblem[] {
  const claims = isDraft(draft.claims) ? draft.claims : {};
  try {
    compilePolicy(
      {
        name: 'draft',
        condition: draft.condition as string,
        actorCondition: draft.actorCondition as string | undefined,
        subject: draft.subject as string | undefined,
        claims: claims as Record<string, string>,
        audiences: [],
        scopes: [],
        ttlSeconds: 1,
        priority: 0,
        enabled: true,
      },
      schema,
    );
    return [];
  } catch (error) {
    if (!(error instanceof PolicyCompileError)) throw error;
    return error.problems.map((p) => ({ field: p.field, message: `${p.expression}: ${p.message}` }));
  }
}
