import { parse, plan, unparse } from '@bufbuild/cel';
import { policyEnvironment, type PolicyBindings } from './cel-environment';
import type { CompiledPolicy } from './compile-policy';
import { toBindings } from './evaluate-policies';
import type { CelExpr } from './inspect-expression';
import type { PolicyInput } from './policy.types';

/** The conjunct of a condition that is false, and where it stands among the others. */
export interface FalseConjunct {
  /** The conjunct as CEL source (re-printed from the parsed expression). */
  expression: string;
  /** Its position in the chain, from 1. */
  position: number;
  /** How many conjuncts the top-level `&&` chain has. */
  of: number;
}

/** The operands of a top-level `&&` chain, left to right, however the parser nested them. */
function conjuncts(expr: CelExpr): CelExpr[] {
  const kind = expr.exprKind;
  if (kind.case === 'callExpr' && kind.value.function === '_&&_' && kind.value.target === undefined) {
    return kind.value.args.flatMap(conjuncts);
  }
  return [expr];
}

/**
 * For explain: the first conjunct of a condition's top-level `&&` chain that is false for `input`.
 * CEL expressions have no side effects, so each conjunct evaluated alone has the value it has in the
 * chain, and a chain that is false has a false conjunct (`false && error` is false). `undefined` when
 * the condition is no `&&` chain, or no conjunct is plainly false (the condition is true, or fails).
 * Parses the condition again: explain is rare, and `/token` keeps one program per condition.
 */
export function firstFalseConjunct(policy: CompiledPolicy, input: PolicyInput): FalseConjunct | undefined {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(policy.definition.condition);
  } catch {
    return undefined;
  }
  const chain = conjuncts(parsed.expr);
  if (chain.length < 2) return undefined;
  const bindings: PolicyBindings = toBindings(input);
  const position = chain.findIndex((conjunct) => plan(policyEnvironment, conjunct)(bindings) === false);
  const found = chain[position];
  if (found === undefined) return undefined;
  return { expression: unparse({ ...parsed, expr: found }), position: position + 1, of: chain.length };
}
