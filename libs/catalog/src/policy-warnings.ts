import type { IdentityPins, PlatformRegistration } from '@fedbroker/platforms';
import type { ConditionFacts } from '@fedbroker/policy';
import type { FieldProblem } from './catalog.error';

/** Why a policy write was saved as sent but will not do all it seems to say. */
export type PolicyWarningCode = 'ttl_capped' | 'mutable_names' | 'takes_over' | 'already_expired';

/** A warning in a write's answer: it never refuses the write. */
export interface PolicyWarning {
  code: PolicyWarningCode;
  /** The body member it is about (prefixed by the item's path in a bulk apply). */
  field: string;
  message: string;
  /** For `takes_over`: the policy whose exchanges this one takes. */
  policy?: string;
}

/** A TTL the broker will cut to `FEDBROKER_MAX_TTL_SECONDS`. */
export function ttlWarning(ttlSeconds: number, maxTtlSeconds: number): PolicyWarning | undefined {
  if (ttlSeconds <= maxTtlSeconds) return undefined;
  return {
    code: 'ttl_capped',
    field: 'ttlSeconds',
    message: `is above FEDBROKER_MAX_TTL_SECONDS: tokens will be cut to ${maxTtlSeconds} s`,
  };
}

/** An `expiresAt` already past when saved: the policy matches nothing. */
export function expiredWarning(expiresAt: Date | undefined, now: Date): PolicyWarning | undefined {
  if (expiresAt === undefined || expiresAt.getTime() > now.getTime()) return undefined;
  return {
    code: 'already_expired',
    field: 'expiresAt',
    message: 'is already past: the policy matches nothing',
  };
}

/**
 * A condition that reads names someone else can take again (a deleted repository's, a recreated
 * namespace's) and pins none of the kind's immutable fields in a top-level conjunct.
 */
export function mutableNamesWarning(pins: IdentityPins, facts: ConditionFacts): PolicyWarning | undefined {
  const names = pins.mutableNames.filter((field) => facts.reads.has(field));
  if (names.length === 0 || pins.immutableFields.some((field) => facts.pins.has(field))) return undefined;
  return {
    code: 'mutable_names',
    field: 'condition',
    message:
      `reads ${fieldList(names, 'and')}, ${names.length === 1 ? 'a name' : 'names'} that can be deleted and ` +
      `taken again by someone else, and pins no immutable field: add ${fieldList(pins.immutableFields, 'or')} ` +
      `== '…' (or in [...]) with &&`,
  };
}

/**
 * Refuses a policy of a platform that takes the credentials of many tenants (a shared issuer)
 * unless a top-level conjunct of its condition pins one of the kind's tenant fields to constants:
 * without it every tenant's workloads that satisfy the rest of the condition would match.
 */
export function sharedIssuerProblem(
  pins: IdentityPins,
  platform: PlatformRegistration,
  facts: ConditionFacts,
): FieldProblem | undefined {
  const why = pins.sharedIssuer(platform);
  if (why === undefined || pins.tenantFields.some((field) => facts.pins.has(field))) return undefined;
  return {
    field: 'condition',
    message:
      `platform ${platform.name} ${why}, so the condition must pin ${fieldList(pins.tenantFields, 'or')} ` +
      `with == (or in a list of constants) in a top-level &&; otherwise any tenant's workload that meets ` +
      `the rest of the condition gets its tokens`,
  };
}

function fieldList(fields: readonly string[], conjunction: 'and' | 'or'): string {
  const named = fields.map((field) => `identity.${field}`);
  if (named.length <= 1) return named.join('');
  return `${named.slice(0, -1).join(', ')} ${conjunction} ${named.at(-1) ?? ''}`;
}
