import { parse, run, isCelError } from '@bufbuild/cel';
import { POLICY_VARIABLES, policyEnvironment } from './cel-environment';
import { REQUEST_FIELDS, type FieldType, type PolicySchema } from './policy-schema';

/** A parsed CEL expression tree. */
export type CelExpr = ReturnType<typeof parse>['expr'];

/** The result type of an expression when it shows without a type checker. */
export type StaticKind =
  'bool' | 'string' | 'int' | 'uint' | 'double' | 'bytes' | 'null' | 'list' | 'map' | 'message';

/** What can be learnt about an expression before running it. */
export interface ExpressionFacts {
  problems: string[];
  usesVariables: boolean;
  kind: StaticKind | undefined;
}

const TYPE_NAMES: ReadonlySet<string> = new Set([
  'bool',
  'bytes',
  'double',
  'dyn',
  'int',
  'list',
  'map',
  'null_type',
  'string',
  'type',
  'uint',
]);

const PLANNER_OPERATORS: ReadonlySet<string> = new Set([
  '_&&_',
  '_||_',
  '_?_:_',
  '_[_]',
  '@not_strictly_false',
  '__not_strictly_false__',
]);

const BOOL_FUNCTIONS: ReadonlySet<string> = new Set([
  '_&&_',
  '_||_',
  '!_',
  '_==_',
  '_!=_',
  '_<_',
  '_<=_',
  '_>_',
  '_>=_',
  '@in',
  'startsWith',
  'endsWith',
  'contains',
  'matches',
]);

/**
 * Walks an expression for what the planner only finds at run time: unknown variables (anything
 * but `claims`, `identity`, `request`, `actor`, comprehension variables and type names), unknown functions or
 * overloads of the wrong arity, invalid constant regular expressions. Also infers the result kind
 * where it is evident from the top-level node.
 */
export function inspectExpression(expr: CelExpr, schema?: PolicySchema): ExpressionFacts {
  const fields = schema === undefined ? undefined : fieldsOf(schema);
  const facts: ExpressionFacts = { problems: [], usesVariables: false, kind: staticKind(expr, fields) };
  walk(expr, new Set(), facts, fields);
  facts.problems = [...new Set(facts.problems)];
  return facts;
}

/** The known fields of each variable, with the kind named for problems; `claims` is open. */
interface KnownFields {
  kind: string;
  byVariable: ReadonlyMap<string, Readonly<Record<string, FieldType>>>;
}

function fieldsOf(schema: PolicySchema): KnownFields {
  return {
    kind: schema.kind,
    byVariable: new Map([
      ['identity', schema.identity],
      ['actor', schema.actor],
      ['request', REQUEST_FIELDS],
    ]),
  };
}

/** `identity.namespace` or `identity['namespace']` on an unshadowed variable: its name and field. */
function variableField(
  expr: CelExpr | undefined,
  bound: ReadonlySet<string>,
): { variable: string; field: string } | undefined {
  const kind = expr?.exprKind;
  let operand: CelExpr | undefined;
  let field: string | undefined;
  if (kind?.case === 'selectExpr') {
    operand = kind.value.operand;
    field = kind.value.field;
  } else if (kind?.case === 'callExpr' && kind.value.function === '_[_]') {
    operand = kind.value.args[0];
    field = constantString(kind.value.args[1]);
  }
  const variable =
    operand?.exprKind.case === 'identExpr' ? operand.exprKind.value.name.replace(/^\./, '') : '';
  if (field === undefined || bound.has(variable) || !POLICY_VARIABLES.has(variable)) return undefined;
  return { variable, field };
}

function checkField(
  expr: CelExpr,
  bound: ReadonlySet<string>,
  facts: ExpressionFacts,
  known: KnownFields,
): void {
  const ref = variableField(expr, bound);
  const fields = ref === undefined ? undefined : known.byVariable.get(ref.variable);
  if (ref === undefined || fields === undefined || Object.hasOwn(fields, ref.field)) return;
  const owner = ref.variable === 'identity' ? `a ${known.kind} identity` : ref.variable;
  facts.problems.push(
    `${owner} has no field '${ref.field}' (known: ${Object.keys(fields).sort().join(', ')})`,
  );
}

const COMPARISONS: ReadonlySet<string> = new Set(['_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_']);

function checkComparison(
  name: string,
  args: readonly CelExpr[],
  facts: ExpressionFacts,
  known: KnownFields | undefined,
): void {
  if (!COMPARISONS.has(name) || known === undefined) return;
  const [left, right] = args.map((arg) => staticKind(arg, known));
  if (left !== undefined && right !== undefined && left !== right && left !== 'null' && right !== 'null') {
    facts.problems.push(`compares a ${left} with a ${right}, which is never true`);
  }
}

function walk(
  expr: CelExpr | undefined,
  bound: ReadonlySet<string>,
  facts: ExpressionFacts,
  known: KnownFields | undefined,
): void {
  const kind = expr?.exprKind;
  switch (kind?.case) {
    case undefined:
    case 'constExpr':
      return;
    case 'identExpr':
      return checkIdent(kind.value.name.replace(/^\./, ''), bound, facts);
    case 'selectExpr':
      if (known !== undefined && expr !== undefined) checkField(expr, bound, facts, known);
      return walk(kind.value.operand, bound, facts, known);
    case 'callExpr': {
      const { function: name, target, args } = kind.value;
      checkCall(name, target, args, facts);
      checkComparison(name, args, facts, known);
      if (known !== undefined && expr !== undefined && name === '_[_]') checkField(expr, bound, facts, known);
      walk(target, bound, facts, known);
      for (const arg of args) walk(arg, bound, facts, known);
      return;
    }
    case 'listExpr':
      for (const element of kind.value.elements) walk(element, bound, facts, known);
      return;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') walk(entry.keyKind.value, bound, facts, known);
        walk(entry.value, bound, facts, known);
      }
      return;
    case 'comprehensionExpr': {
      const { iterRange, accuInit, loopCondition, loopStep, result, iterVar, iterVar2, accuVar } = kind.value;
      walk(iterRange, bound, facts, known);
      walk(accuInit, bound, facts, known);
      const inLoop = new Set([...bound, iterVar, iterVar2, accuVar].filter((name) => name !== ''));
      walk(loopCondition, inLoop, facts, known);
      walk(loopStep, inLoop, facts, known);
      walk(result, new Set([...bound, accuVar]), facts, known);
      return;
    }
  }
}

function checkIdent(name: string, bound: ReadonlySet<string>, facts: ExpressionFacts): void {
  if (bound.has(name) || TYPE_NAMES.has(name)) return;
  if (POLICY_VARIABLES.has(name)) {
    facts.usesVariables = true;
    return;
  }
  facts.problems.push(`unknown variable '${name}' (known: ${[...POLICY_VARIABLES].join(', ')})`);
}

function checkCall(
  name: string,
  target: CelExpr | undefined,
  args: readonly CelExpr[],
  facts: ExpressionFacts,
): void {
  if (PLANNER_OPERATORS.has(name)) return;
  const overloads = policyEnvironment.funcs.find(name);
  if (overloads === undefined) {
    facts.problems.push(`unknown function '${name}'`);
    return;
  }
  const isMethod = target !== undefined;
  if (
    ![...overloads].some((f) => (f.target !== undefined) === isMethod && f.arguments.length === args.length)
  ) {
    facts.problems.push(
      `no overload of '${name}' takes ${isMethod ? 'a receiver and ' : ''}${args.length} argument(s)`,
    );
    return;
  }
  const pattern = name === 'matches' ? constantString(isMethod ? args[0] : args[1]) : undefined;
  if (pattern !== undefined) {
    const result = run("''.matches(pattern)", { pattern });
    if (isCelError(result)) facts.problems.push(`invalid regular expression '${pattern}': ${result.message}`);
  }
}

function constantString(expr: CelExpr | undefined): string | undefined {
  const kind = expr?.exprKind;
  return kind?.case === 'constExpr' && kind.value.constantKind.case === 'stringValue'
    ? kind.value.constantKind.value
    : undefined;
}

function staticKind(expr: CelExpr | undefined, known?: KnownFields): StaticKind | undefined {
  const kind = expr?.exprKind;
  switch (kind?.case) {
    case undefined:
    case 'identExpr':
      return undefined;
    case 'constExpr':
      return constantKind(kind.value.constantKind.case);
    case 'listExpr':
      return 'list';
    case 'structExpr':
      return kind.value.messageName === '' ? 'map' : 'message';
    case 'selectExpr':
      return kind.value.testOnly ? 'bool' : fieldKind(expr, known);
    case 'callExpr':
      return kind.value.function === '_[_]'
        ? fieldKind(expr, known)
        : callKind(kind.value.function, kind.value.args, known);
    case 'comprehensionExpr': {
      const { result, accuVar, accuInit } = kind.value;
      const returnsAccumulator =
        result?.exprKind.case === 'identExpr' && result.exprKind.value.name === accuVar;
      return staticKind(returnsAccumulator ? accuInit : result, known);
    }
  }
}

/** The declared type of a variable's field (comprehension variables aside, which are not fields). */
function fieldKind(expr: CelExpr | undefined, known: KnownFields | undefined): StaticKind | undefined {
  const ref = known === undefined ? undefined : variableField(expr, new Set());
  return ref === undefined ? undefined : known?.byVariable.get(ref.variable)?.[ref.field];
}

function callKind(
  name: string,
  args: readonly CelExpr[],
  known: KnownFields | undefined,
): StaticKind | undefined {
  if (BOOL_FUNCTIONS.has(name)) return 'bool';
  if (name === 'size') return 'int';
  if (name === '_?_:_') {
    const whenTrue = staticKind(args[1], known);
    return whenTrue === staticKind(args[2], known) ? whenTrue : undefined;
  }
  return undefined;
}

function constantKind(constant: CelExprConstantCase): StaticKind | undefined {
  switch (constant) {
    case 'boolValue':
      return 'bool';
    case 'stringValue':
      return 'string';
    case 'int64Value':
      return 'int';
    case 'uint64Value':
      return 'uint';
    case 'doubleValue':
      return 'double';
    case 'bytesValue':
      return 'bytes';
    case 'nullValue':
      return 'null';
    case 'durationValue':
    case 'timestampValue':
      return 'message';
    case undefined:
      return undefined;
  }
}

type CelExprConstantCase = Extract<
  CelExpr['exprKind'],
  { case: 'constExpr' }
>['value']['constantKind']['case'];
