import { celType, type CelValue } from '@bufbuild/cel';
import { fromCelValue, type JsonValue } from './from-cel-value';
import { messageOf } from './message-of';
import type { StaticKind } from './inspect-expression';

/** What an expression is for, which fixes the type its result must have. */
export type ExpressionRole = 'condition' | 'subject' | 'claim';

const REFUSED_KINDS: Record<ExpressionRole, (kind: StaticKind) => boolean> = {
  condition: (kind) => kind !== 'bool',
  subject: (kind) => kind !== 'string',
  claim: (kind) => kind === 'bytes' || kind === 'message',
};

const EXPECTED: Record<ExpressionRole, string> = {
  condition: 'a bool',
  subject: 'a non-empty string',
  claim: 'a JSON value (string, bool, number, list or map)',
};

/** The problem with a statically known result kind for this role, if any. */
export function staticKindProblem(role: ExpressionRole, kind: StaticKind | undefined): string | undefined {
  return kind !== undefined && REFUSED_KINDS[role](kind)
    ? `must evaluate to ${EXPECTED[role]}, not ${kind}`
    : undefined;
}

/** Reads a condition result. @throws TypeError unless it is a bool. */
export function readCondition(value: CelValue): boolean {
  if (typeof value !== 'boolean') throw wrongType('condition', value);
  return value;
}

/** Reads a subject result. @throws TypeError unless it is a non-empty string. */
export function readSubject(value: CelValue): string {
  if (typeof value !== 'string' || value === '') throw wrongType('subject', value);
  return value;
}

/** Reads a claim result as JSON. @throws TypeError when it has no JSON form. */
export function readClaim(value: CelValue): JsonValue {
  try {
    return fromCelValue(value);
  } catch (error) {
    throw new TypeError(`must evaluate to ${EXPECTED.claim}: ${messageOf(error)}`, { cause: error });
  }
}

/** Reads a result for a role. @throws TypeError when it has the wrong type. */
export function readResult(role: ExpressionRole, value: CelValue): JsonValue {
  switch (role) {
    case 'condition':
      return readCondition(value);
    case 'subject':
      return readSubject(value);
    case 'claim':
      return readClaim(value);
  }
}

function wrongType(role: ExpressionRole, value: CelValue): TypeError {
  const shown = value === '' ? 'an empty string' : celType(value).name;
  return new TypeError(`must evaluate to ${EXPECTED[role]}, not ${shown}`);
}
