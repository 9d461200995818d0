import type { CelProgram } from './cel-environment';
import { compileExpression } from './compile-expression';
import { conditionFacts, type ConditionFacts } from './condition-facts';
import { PolicyCompileError, type PolicyProblem } from './policy-compile.error';
import type { PolicySchema } from './policy-schema';
import type { PolicyDefinition } from './policy.types';

/** Claims the broker sets itself (RFC 7519, RFC 9068, RFC 8693, RFC 7800); a policy may not. */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'client_id',
  'scope',
  'act',
  'may_act',
  'cnf',
]);

const SHOWN_EXPRESSION_LENGTH = 200;

/**
 * A policy whose expressions are parsed and planned once, ready for {@link evaluatePolicies}.
 * `definition` is a frozen copy of what was compiled.
 */
export interface CompiledPolicy<Definition extends PolicyDefinition = PolicyDefinition> {
  readonly definition: Readonly<Definition>;
  readonly condition: CelProgram;
  /** What the condition's shape tells: its pins and the identity fields it reads. */
  readonly facts: ConditionFacts;
  /** Present when the policy allows an RFC 8693 actor; see {@link actorAllowed}. */
  readonly actorCondition: CelProgram | undefined;
  readonly subject: CelProgram | undefined;
  readonly claims: readonly (readonly [name: string, program: CelProgram])[];
}

/**
 * Compiles every expression of a policy.
 *
 * With a `schema` (the platform kind's identity fields), a field that does not exist or a
 * comparison of unlike types is refused too.
 *
 * @throws PolicyCompileError listing every invalid expression: syntax errors, unknown variables
 * or functions, invalid constant regular expressions, results of an evidently wrong type, constant
 * expressions that fail, expressions over {@link MAX_EXPRESSION_BYTES}, and reserved claim names.
 */
export function compilePolicy<Definition extends PolicyDefinition>(
  definition: Definition,
  schema?: PolicySchema,
): CompiledPolicy<Definition> {
  const problems: PolicyProblem[] = [];
  let facts: ConditionFacts | undefined;
  const compile = (
    role: 'condition' | 'subject' | 'claim',
    field: string,
    source: unknown,
  ): CelProgram | undefined => {
    const compiled = compileExpression(role, source, schema);
    if ('program' in compiled) {
      if (field === 'condition') facts = conditionFacts(compiled.expr);
      return compiled.program;
    }
    problems.push({ field, expression: shown(source), message: compiled.problems.join('; ') });
    return undefined;
  };

  const condition = compile('condition', 'condition', definition.condition);
  const actorCondition =
    definition.actorCondition === undefined
      ? undefined
      : compile('condition', 'actorCondition', definition.actorCondition);
  const subject =
    definition.subject === undefined ? undefined : compile('subject', 'subject', definition.subject);
  const claims: (readonly [string, CelProgram])[] = [];
  for (const [name, source] of Object.entries(definition.claims)) {
    const field = `claims.${name}`;
    if (RESERVED_CLAIMS.has(name) || name === '') {
      problems.push({ field, expression: shown(source), message: reservedMessage(name) });
      continue;
    }
    const program = compile('claim', field, source);
    if (program !== undefined) claims.push([name, program]);
  }

  if (problems.length > 0 || condition === undefined || facts === undefined) {
    throw new PolicyCompileError(definition.name, problems);
  }
  return Object.freeze({
    definition: Object.freeze({
      ...definition,
      claims: Object.freeze({ ...definition.claims }),
      audiences: Object.freeze([...definition.audiences]),
      scopes: Object.freeze([...definition.scopes]),
    }),
    condition,
    facts,
    actorCondition,
    subject,
    claims: Object.freeze(claims),
  });
}

function reservedMessage(name: string): string {
  return name === '' ? 'a claim name must not be empty' : `'${name}' is a reserved claim set by the broker`;
}

function shown(source: unknown): string {
  if (typeof source !== 'string') return String(source);
  return source.length > SHOWN_EXPRESSION_LENGTH ? `${source.slice(0, SHOWN_EXPRESSION_LENGTH)}…` : source;
}
