import { isCelError, parse, plan } from '@bufbuild/cel';
import { messageOf } from './message-of';
import { policyEnvironment, type CelProgram, type PolicyBindings } from './cel-environment';
import { readResult, staticKindProblem, type ExpressionRole } from './expression-result';
import { inspectExpression, type CelExpr } from './inspect-expression';
import { plannedProgram } from './planned-program';
import type { PolicySchema } from './policy-schema';

/** The longest expression accepted, in UTF-8 bytes. */
export const MAX_EXPRESSION_BYTES = 4096;

/**
 * A compiled expression and its parsed tree, or every reason it is not one. The program keeps its
 * plan in a bounded cache (see {@link plannedProgram}); the tree is the caller's to drop.
 */
export type CompiledExpression = { program: CelProgram; expr: CelExpr } | { problems: string[] };

const NO_BINDINGS: PolicyBindings = {
  claims: new Map(),
  identity: new Map(),
  request: new Map(),
  actor: new Map(),
};

/**
 * Parses, inspects and plans one expression; with a `schema`, every field it reads of `identity`,
 * `actor` and `request` must exist there, and comparisons of fields must compare like types. An expression that reads no variable is also run
 * once, so `1/0` or a constant of the wrong type is refused here rather than at `/token`.
 */
export function compileExpression(
  role: ExpressionRole,
  source: unknown,
  schema?: PolicySchema,
): CompiledExpression {
  if (typeof source !== 'string') return { problems: ['must be a string'] };
  if (source.trim() === '') return { problems: ['must not be empty'] };
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > MAX_EXPRESSION_BYTES) {
    return { problems: [`is ${bytes} bytes long; the limit is ${MAX_EXPRESSION_BYTES}`] };
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (error) {
    return { problems: [`syntax error: ${messageOf(error)}`] };
  }
  const facts = inspectExpression(parsed.expr, schema);
  const kindProblem = staticKindProblem(role, facts.kind);
  const problems = kindProblem === undefined ? facts.problems : [...facts.problems, kindProblem];
  if (problems.length > 0) return { problems };
  let program: CelProgram;
  try {
    program = plan(policyEnvironment, parsed);
  } catch (error) {
    return { problems: [messageOf(error)] };
  }
  if (!facts.usesVariables) {
    const constantProblem = runConstant(role, program);
    if (constantProblem !== undefined) return { problems: [constantProblem] };
  }
  return { program: plannedProgram(source, parsed.expr, program), expr: parsed.expr };
}

function runConstant(role: ExpressionRole, program: CelProgram): string | undefined {
  const result = program(NO_BINDINGS);
  if (isCelError(result)) return result.message;
  try {
    readResult(role, result);
    return undefined;
  } catch (error) {
    return messageOf(error);
  }
}
