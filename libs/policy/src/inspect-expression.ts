import { parse, run, isCelError } from '@bufbuild/cel';
import { POLICY_VARIABLES, policyEnvironment } from './cel-environment';

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
export function inspectExpression(expr: CelExpr): ExpressionFacts {
  const facts: ExpressionFacts = { problems: [], usesVariables: false, kind: staticKind(expr) };
  walk(expr, new Set(), facts);
  facts.problems = [...new Set(facts.problems)];
  return facts;
}

function walk(expr: CelExpr | undefined, bound: ReadonlySet<string>, facts: ExpressionFacts): void {
  const kind = expr?.exprKind;
  switch (kind?.case) {
    case undefined:
    case 'constExpr':
      return;
    case 'identExpr':
      return checkIdent(kind.value.name.replace(/^\./, ''), bound, facts);
    case 'selectExpr':
      return walk(kind.value.operand, bound, facts);
    case 'callExpr': {
      const { function: name, target, args } = kind.value;
      checkCall(name, target, args, facts);
      walk(target, bound, facts);
      for (const arg of args) walk(arg, bound, facts);
      return;
    }
    case 'listExpr':
      for (const element of kind.value.elements) walk(element, bound, facts);
      return;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') walk(entry.keyKind.value, bound, facts);
        walk(entry.value, bound, facts);
      }
      return;
    case 'comprehensionExpr': {
      const { iterRange, accuInit, loopCondition, loopStep, result, iterVar, iterVar2, accuVar } = kind.value;
      walk(iterRange, bound, facts);
      walk(accuInit, bound, facts);
      const inLoop = new Set([...bound, iterVar, iterVar2, accuVar].filter((name) => name !== ''));
      walk(loopCondition, inLoop, facts);
      walk(loopStep, inLoop, facts);
      walk(result, new Set([...bound, accuVar]), facts);
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

function staticKind(expr: CelExpr | undefined): StaticKind | undefined {
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
      return kind.value.testOnly ? 'bool' : undefined;
    case 'callExpr':
      return callKind(kind.value.function, kind.value.args);
    case 'comprehensionExpr': {
      const { result, accuVar, accuInit } = kind.value;
      const returnsAccumulator =
        result?.exprKind.case === 'identExpr' && result.exprKind.value.name === accuVar;
      return staticKind(returnsAccumulator ? accuInit : result);
    }
  }
}

function callKind(name: string, args: readonly CelExpr[]): StaticKind | undefined {
  if (BOOL_FUNCTIONS.has(name)) return 'bool';
  if (name === 'size') return 'int';
  if (name === '_?_:_') {
    const whenTrue = staticKind(args[1]);
    return whenTrue === staticKind(args[2]) ? whenTrue : undefined;
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
