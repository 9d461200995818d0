import { parse } from '@bufbuild/cel';
import type { CelExpr } from './inspect-expression';

/**
 * What the shape of a condition tells about the identities it can match, without running it. It is
 * read from the top-level conjuncts (`a && b && …`) only: a pin under `||`, `!` or a ternary pins
 * nothing.
 */
export interface ConditionFacts {
  /** The condition's value when it is a constant (`true`, `false`). */
  readonly constant: boolean | undefined;
  /**
   * `identity` fields a top-level conjunct pins to constants (`identity.f == 'v'`, `'v' == identity.f`,
   * `identity.f in ['v', 'w']`), each to the values it may take (their intersection when several
   * conjuncts pin one field), keyed by {@link pinnedValue}: `'1'` and `1` differ.
   */
  readonly pins: ReadonlyMap<string, ReadonlySet<string>>;
  /** Every `identity` field the condition reads, anywhere. */
  readonly reads: ReadonlySet<string>;
  /** Whether every top-level conjunct is a pin: the pins then say all the condition does. */
  readonly pinnedOnly: boolean;
}

/** The facts of a parsed condition. */
export function conditionFacts(expr: CelExpr): ConditionFacts {
  const pins = new Map<string, Set<string>>();
  let pinnedOnly = true;
  for (const conjunct of conjuncts(expr)) {
    const pin = pinOf(conjunct);
    if (pin === undefined) {
      pinnedOnly = false;
      continue;
    }
    const held = pins.get(pin.field);
    pins.set(
      pin.field,
      held === undefined ? pin.values : new Set([...held].filter((v) => pin.values.has(v))),
    );
  }
  const reads = new Set<string>();
  collectReads(expr, reads);
  return { constant: boolConstant(expr), pins, reads, pinnedOnly: pinnedOnly && pins.size > 0 };
}

/** The facts of a condition's source, or undefined when it does not parse. */
export function conditionFactsOf(source: string): ConditionFacts | undefined {
  try {
    return conditionFacts(parse(source).expr);
  } catch {
    return undefined;
  }
}

/**
 * Whether two conditions may both be true for one identity, as far as their pins tell: false only
 * when one is the constant `false` or both pin a field to disjoint values. Sound (never false for
 * conditions that can both hold), not exact (true for many that cannot).
 */
export function mayBothHold(a: ConditionFacts, b: ConditionFacts): boolean {
  if (a.constant === false || b.constant === false) return false;
  for (const [field, values] of a.pins) {
    const other = b.pins.get(field);
    if (other !== undefined && ![...values].some((value) => other.has(value))) return false;
  }
  return true;
}

/** A pinned constant as {@link ConditionFacts.pins} keys it; CEL compares `1` and `1u` equal. */
export function pinnedValue(value: string | bigint | boolean): string {
  return `${typeof value === 'bigint' ? 'number' : typeof value}:${String(value)}`;
}

function conjuncts(expr: CelExpr | undefined): CelExpr[] {
  const kind = expr?.exprKind;
  if (kind?.case === 'callExpr' && kind.value.function === '_&&_' && kind.value.target === undefined) {
    return kind.value.args.flatMap(conjuncts);
  }
  return expr === undefined ? [] : [expr];
}

function pinOf(expr: CelExpr): { field: string; values: Set<string> } | undefined {
  const kind = expr.exprKind;
  if (kind.case !== 'callExpr' || kind.value.target !== undefined) return undefined;
  const [left, right] = kind.value.args;
  switch (kind.value.function) {
    case '_==_': {
      const field = identityField(left) ?? identityField(right);
      const value = constantValue(identityField(left) === undefined ? left : right);
      return field === undefined || value === undefined ? undefined : { field, values: new Set([value]) };
    }
    case '@in': {
      const field = identityField(left);
      const values = constantList(right);
      return field === undefined || values === undefined ? undefined : { field, values: new Set(values) };
    }
    default:
      return undefined;
  }
}

/** `identity.f` or `identity['f']`: the field's name. */
function identityField(expr: CelExpr | undefined): string | undefined {
  const kind = expr?.exprKind;
  if (kind?.case === 'selectExpr' && !kind.value.testOnly && isIdentity(kind.value.operand)) {
    return kind.value.field;
  }
  if (kind?.case === 'callExpr' && kind.value.function === '_[_]' && isIdentity(kind.value.args[0])) {
    const key = kind.value.args[1]?.exprKind;
    return key?.case === 'constExpr' && key.value.constantKind.case === 'stringValue'
      ? key.value.constantKind.value
      : undefined;
  }
  return undefined;
}

function isIdentity(expr: CelExpr | undefined): boolean {
  const kind = expr?.exprKind;
  return kind?.case === 'identExpr' && kind.value.name.replace(/^\./, '') === 'identity';
}

function constantValue(expr: CelExpr | undefined): string | undefined {
  const kind = expr?.exprKind;
  if (kind?.case !== 'constExpr') return undefined;
  const constant = kind.value.constantKind;
  switch (constant.case) {
    case 'stringValue':
    case 'boolValue':
    case 'int64Value':
    case 'uint64Value':
      return pinnedValue(constant.value);
    case 'bytesValue':
    case 'doubleValue':
    case 'durationValue':
    case 'nullValue':
    case 'timestampValue':
    case undefined:
      return undefined;
  }
}

function constantList(expr: CelExpr | undefined): string[] | undefined {
  const kind = expr?.exprKind;
  if (kind?.case !== 'listExpr' || kind.value.elements.length === 0) return undefined;
  const values = kind.value.elements.map(constantValue);
  return values.every((value) => value !== undefined) ? values : undefined;
}

function boolConstant(expr: CelExpr): boolean | undefined {
  const kind = expr.exprKind;
  return kind.case === 'constExpr' && kind.value.constantKind.case === 'boolValue'
    ? kind.value.constantKind.value
    : undefined;
}

function collectReads(expr: CelExpr | undefined, reads: Set<string>): void {
  const kind = expr?.exprKind;
  const field = identityField(expr);
  if (field !== undefined) reads.add(field);
  switch (kind?.case) {
    case 'selectExpr':
      if (kind.value.testOnly && isIdentity(kind.value.operand)) reads.add(kind.value.field);
      collectReads(kind.value.operand, reads);
      return;
    case 'callExpr':
      collectReads(kind.value.target, reads);
      for (const arg of kind.value.args) collectReads(arg, reads);
      return;
    case 'listExpr':
      for (const element of kind.value.elements) collectReads(element, reads);
      return;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') collectReads(entry.keyKind.value, reads);
        collectReads(entry.value, reads);
      }
      return;
    case 'comprehensionExpr':
      for (const part of [
        kind.value.iterRange,
        kind.value.accuInit,
        kind.value.loopCondition,
        kind.value.loopStep,
        kind.value.result,
      ]) {
        collectReads(part, reads);
      }
      return;
    case 'constExpr':
    case 'identExpr':
    case undefined:
      return;
  }
}
