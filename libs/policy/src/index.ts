export { actorAllowed, type ActorDecision } from './actor-allowed';
export { MAX_EXPRESSION_BYTES } from './compile-expression';
export { compilePolicy, RESERVED_CLAIMS, type CompiledPolicy } from './compile-policy';
export {
  conditionFacts,
  conditionFactsOf,
  mayBothHold,
  pinnedValue,
  type ConditionFacts,
} from './condition-facts';
export { byRank, evaluatePolicies, rankOrder, rankPolicies, RANKING_RULE } from './evaluate-policies';
export { identityKey, type IdentityKey } from './identity-key';
export {
  PolicySet,
  RULED_OUT_NAMED,
  type PolicyChoice,
  type PolicySetChange,
  type RuledOutPolicy,
} from './policy-set';
export { editedList } from './ranked-list';
export { firstFalseConjunct, type FalseConjunct } from './explain-condition';
export type { JsonValue } from './from-cel-value';
export { REQUEST_FIELDS, type FieldType, type PolicySchema } from './policy-schema';
export { PolicyCompileError, type PolicyProblem } from './policy-compile.error';
export {
  DEFAULT_TEST_GRANT_TYPE,
  policyTestProblems,
  runPolicyTests,
  testInput,
  type PolicyTestCase,
  type PolicyTestResult,
  type TestPlatform,
} from './policy-tests';
export type {
  AuditModeVerdict,
  PolicyDecision,
  PolicyDefinition,
  PolicyEvaluation,
  PolicyInput,
  PolicyMatch,
  PolicyMode,
} from './policy.types';
export { toCelValue } from './to-cel-value';
