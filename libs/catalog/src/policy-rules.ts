import type { AdapterRegistry, PlatformKind, PlatformRegistration } from '@fedbroker/platforms';
import {
  compilePolicy,
  policyTestProblems,
  PolicyCompileError,
  runPolicyTests,
  type CompiledPolicy,
  type PolicySchema,
  type PolicyTestResult,
} from '@fedbroker/policy';
import type { FieldProblem } from './catalog.error';
import type { PolicyBody } from './catalog-schemas';
import { policySchemaFor } from './policy-schema-for';
import {
  expiredWarning,
  mutableNamesWarning,
  sharedIssuerProblem,
  ttlWarning,
  type PolicyWarning,
} from './policy-warnings';
import { NAMED_TAKEOVERS, type RankedCondition, type TakeoverIndex } from './takeover-index';

export interface PolicyRulesOptions {
  adapters: AdapterRegistry;
  /** `FEDBROKER_MAX_TTL_SECONDS`: a longer TTL is saved and warned about. */
  maxTtlSeconds: number;
  now: () => Date;
}

/** A policy as a save would store it, or every reason it may not be saved. */
export type PolicyCheck =
  { ok: true; compiled: CompiledPolicy; warnings: PolicyWarning[] } | { ok: false; problems: FieldProblem[] };

/**
 * What every save of a policy (create, replace, patch, bulk apply) goes through: it compiles
 * against the platform kind's identity fields, meets the platform's shared-issuer rule, passes its
 * own tests; and what it is warned about (a TTL over the maximum, a condition on mutable names, an
 * expiry already past). Takeovers of other policies are {@link takeoverWarnings}.
 */
export class PolicyRules {
  private readonly schemas = new Map<PlatformKind, PolicySchema | undefined>();

  constructor(private readonly options: PolicyRulesOptions) {}

  check(body: PolicyBody, platform: PlatformRegistration): PolicyCheck {
    const schema = this.schemaFor(platform.kind);
    let compiled: CompiledPolicy;
    try {
      compiled = compilePolicy(definitionOf(body), schema);
    } catch (error) {
      if (!(error instanceof PolicyCompileError)) throw error;
      return { ok: false, problems: compileProblems(error) };
    }
    const problems: FieldProblem[] = [];
    const pins = this.options.adapters.has(platform.kind)
      ? this.options.adapters.get(platform.kind).identityPins
      : undefined;
    const shared = pins === undefined ? undefined : sharedIssuerProblem(pins, platform, compiled.facts);
    if (shared !== undefined) problems.push(shared);
    if (schema !== undefined) problems.push(...policyTestProblems(body.tests, schema));
    if (problems.length === 0) problems.push(...failedTests(body, this.runTests(compiled, body, platform)));
    if (problems.length > 0) return { ok: false, problems };
    const warnings = [
      ttlWarning(body.ttlSeconds, this.options.maxTtlSeconds),
      expiredWarning(compiled.definition.expiresAt, this.options.now()),
      pins === undefined ? undefined : mutableNamesWarning(pins, compiled.facts),
    ].filter((warning) => warning !== undefined);
    return { ok: true, compiled, warnings };
  }

  /** Runs the tests `body` carries against its compiled policy. */
  runTests(
    compiled: CompiledPolicy,
    body: Pick<PolicyBody, 'tests'>,
    platform: PlatformRegistration,
  ): PolicyTestResult[] {
    return runPolicyTests(compiled, body.tests, platform);
  }

  /** Compiles a stored policy for its tests; problems when it no longer compiles. */
  compileStored(body: PolicyBody, platform: PlatformRegistration): CompiledPolicy | FieldProblem[] {
    try {
      return compilePolicy(definitionOf(body), this.schemaFor(platform.kind));
    } catch (error) {
      if (!(error instanceof PolicyCompileError)) throw error;
      return compileProblems(error);
    }
  }

  now(): Date {
    return this.options.now();
  }

  private schemaFor(kind: PlatformKind): PolicySchema | undefined {
    if (!this.schemas.has(kind)) {
      const { adapters } = this.options;
      this.schemas.set(kind, adapters.has(kind) ? policySchemaFor(adapters, kind) : undefined);
    }
    return this.schemas.get(kind);
  }
}

/** The warnings of a policy that would take exchanges other policies of its platform serve today. */
export function takeoverWarnings(
  index: TakeoverIndex,
  candidate: RankedCondition,
  before: RankedCondition | undefined,
): PolicyWarning[] {
  const taken = index.takenBy(candidate, before, NAMED_TAKEOVERS + 1);
  const warnings: PolicyWarning[] = taken.slice(0, NAMED_TAKEOVERS).map((name) => ({
    code: 'takes_over',
    field: 'priority',
    policy: name,
    message:
      `outranks policy ${name}, which grants today, and their conditions can both hold: ` +
      `exchanges both match now go to ${candidate.definition.name}`,
  }));
  if (taken.length > NAMED_TAKEOVERS) {
    warnings.push({
      code: 'takes_over',
      field: 'priority',
      message: `outranks more policies whose conditions can hold with its own than the ${NAMED_TAKEOVERS} named`,
    });
  }
  return warnings;
}

/** The policy definition of a validated body. */
export function definitionOf(body: PolicyBody) {
  return {
    ...body,
    subject: body.subject,
    expiresAt: body.expiresAt === undefined ? undefined : new Date(body.expiresAt),
  };
}

function compileProblems(error: PolicyCompileError): FieldProblem[] {
  return error.problems.map((p) => ({ field: p.field, message: `${p.expression}: ${p.message}` }));
}

function failedTests(body: Pick<PolicyBody, 'tests'>, results: readonly PolicyTestResult[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  results.forEach((result, i) => {
    if (result.passed) return;
    problems.push({
      field: `tests.${i}`,
      message: `${result.name}: expected ${body.tests[i]?.expect}, got ${result.outcome} (${result.reason})`,
    });
  });
  return problems;
}
