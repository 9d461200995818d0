/**
 * How a policy takes part in decisions: `enforce` grants; `audit` is evaluated and its would-be
 * outcome recorded, and grants nothing (a staged rollout).
 */
export type PolicyMode = 'enforce' | 'audit';

/**
 * A trust policy as stored and administered: CEL expressions plus the grant it gives.
 */
export interface PolicyDefinition {
  /** Unique name; the tie-breaker between policies of equal priority (ascending). */
  name: string;
  /** CEL expression that must evaluate to a bool; `true` grants. Required. */
  condition: string;
  /**
   * CEL expression over `actor` (and the other variables) that must evaluate to true for a request
   * with an RFC 8693 `actor_token`; when absent, the policy allows no actor.
   */
  actorCondition?: string | undefined;
  /**
   * CEL expression yielding the access token's `sub`; when absent, `<platform name>:<identity.subject>`,
   * which two platforms never share.
   */
  subject?: string | undefined;
  /** Extra token claims: claim name to CEL expression. Registered JWT claims are reserved. */
  claims: Record<string, string>;
  audiences: string[];
  scopes: string[];
  ttlSeconds: number;
  /** Higher wins when several policies match. */
  priority: number;
  /** A disabled policy is reported as `disabled` and never matches. */
  enabled: boolean;
  /** Default `enforce`. */
  mode?: PolicyMode | undefined;
  /** From this instant on (the request's clock) the policy is reported as `expired` and never matches. */
  expiresAt?: Date | undefined;
  /** Overrides the platform's one-time use of credentials for what this policy grants; absent: as the platform. */
  oneTimeUse?: boolean | undefined;
}

/**
 * The variables bound for every expression of a policy.
 *
 * `claims` and `identity` are converted with {@link toCelValue}: integer-valued numbers become CEL
 * `int`, other numbers CEL `double`.
 */
export interface PolicyInput {
  /** The verified raw JWT claims. */
  claims: Record<string, unknown>;
  /** The normalized identity; an absent field is absent (`has(identity.environment)` is false). */
  identity: Record<string, unknown>;
  request: { audience: string[]; scopes: string[]; grantType: string };
  /** The RFC 8693 actor's normalized identity; absent (bound as an empty map) without an actor token. */
  actor?: Record<string, unknown> | undefined;
}

/** How one policy fared against one input; `reason` says why, for audit and explain. */
export interface PolicyEvaluation {
  policy: string;
  priority: number;
  mode: PolicyMode;
  result: 'matched' | 'not_matched' | 'error' | 'disabled' | 'expired';
  reason?: string;
}

/**
 * What an `audit`-mode policy would have done had it been enforced: `would_grant` (it matched and
 * outranks every matching enforced policy), `would_fail` (the same, but its subject or claims fail),
 * `outranked` (it matched, below the enforced policy that decided), `no_match`, `error` (its
 * condition failed), `expired`. Disabled policies are not evaluated.
 */
export interface AuditModeVerdict {
  policy: string;
  verdict: 'would_grant' | 'would_fail' | 'outranked' | 'no_match' | 'error' | 'expired';
  reason?: string;
}

/** The grant of the winning policy, with its expressions evaluated. */
export interface PolicyMatch {
  policy: string;
  subject: string;
  claims: Record<string, unknown>;
  audiences: string[];
  scopes: string[];
  ttlSeconds: number;
  /** The policy's one-time-use override, when it has one. */
  oneTimeUse?: boolean;
}

/** The outcome of {@link evaluatePolicies}: no `match` means deny. */
export interface PolicyDecision {
  match?: PolicyMatch;
  evaluations: PolicyEvaluation[];
  /** One verdict per evaluated `audit`-mode policy, ranked. */
  auditMode: AuditModeVerdict[];
}
