import { isVerificationError, showValue, type VerificationErrorCode } from '@fedbroker/platforms';
import { actorAllowed } from '@fedbroker/policy';
import { ExchangeError } from '../exchange.error';
import type { ExchangeDependencies } from '../exchange-dependencies';
import { selectScopes, selectTargets } from '../select-targets';
import type { ExchangeState } from './exchange-state';
import { inSpan } from '../tracing';
import { locateAndVerify, type LocateTrace } from './locate-and-verify';
import { noPolicyMatched } from './no-policy-matched';
import { presentedView, type PresentedView } from './presented-view';

/** The named steps of a decision, in order: `/token` runs them all, explain reports each. */
export type DecisionStepName =
  | 'verify'
  | 'limit-platform'
  | 'authenticate-client'
  | 'verify-actor'
  | 'decide'
  | 'authorize-actor'
  | 'select-targets'
  /** Explain only: whether a one-time credential was already used (`/token` learns it at its audit). */
  | 'replay';

/** One step: it reads and extends the state, or throws the {@link ExchangeError} that denies. */
export interface DecisionStep {
  name: DecisionStepName;
  /** Whether the step has anything to do for this request (an actor step without an actor does not). */
  applies(state: ExchangeState, deps: ExchangeDependencies): boolean;
  run(state: ExchangeState, deps: ExchangeDependencies): Promise<void> | void;
  /** One line on what the step established, for explain. */
  describe(state: ExchangeState): string;
  /** What explain shows beside the step's refusal, besides its reason. */
  failure?(state: ExchangeState, error: ExchangeError): Pick<StepOutcome, 'check' | 'presented'>;
}

const verify: DecisionStep = {
  name: 'verify',
  applies: () => true,
  async run(state, deps) {
    const { credential, credentialType } = state.request;
    const trace: LocateTrace = {};
    try {
      state.subject = await locateAndVerify(deps, credential, credentialType, state.now, trace);
    } finally {
      state.presented = trace.presented;
      state.platform = trace.platform;
    }
  },
  describe: (state) =>
    `platform ${state.subject?.platform.name} verified the credential of ${state.subject?.credential.identity.subject}`,
  failure: (state, error) => ({
    ...checkOf(error),
    presented: presentedView(state.presented, state.request.credentialType),
  }),
};

/** The platform's request allowance, spent only by verified credentials; `/token` only, not explain. */
const limitPlatform: DecisionStep = {
  name: 'limit-platform',
  applies: (_state, deps) => deps.platformRateLimit !== undefined,
  run(state, deps) {
    const platform = state.subject?.platform;
    const decision = platform === undefined ? undefined : deps.platformRateLimit?.take(platform.id);
    if (decision !== undefined && !decision.ok) {
      throw new ExchangeError('rate_limited', 'too many requests for this platform; retry later', {
        reason: `platform ${platform?.name} is over its rate limit`,
        retryAfterSeconds: decision.retryAfterSeconds,
      });
    }
  },
  describe: () => 'within the platform rate limit',
};

/** RFC 7523 §3.2: a client assertion authenticates the client its `sub` names. */
const authenticateClient: DecisionStep = {
  name: 'authenticate-client',
  applies: (state) => state.request.authenticatesClient && state.request.clientId !== undefined,
  run(state) {
    const subject = state.subject?.credential.identity.subject;
    if (state.request.clientId !== subject) {
      throw new ExchangeError('client_mismatch', 'the client_id does not match the client assertion', {
        reason: `client_id ${showValue(state.request.clientId)} differs from the assertion's sub ${showValue(subject)}`,
      });
    }
  },
  describe: (state) => `client_id ${state.request.clientId} is the assertion's sub`,
};

const verifyActor: DecisionStep = {
  name: 'verify-actor',
  applies: (state) => state.request.actor !== undefined,
  async run(state, deps) {
    const actor = state.request.actor;
    if (actor === undefined) return;
    try {
      const trace: LocateTrace = {};
      try {
        state.actor = await locateAndVerify(deps, actor.token, actor.type, state.now, trace);
      } finally {
        state.actorPresented = trace.presented;
        state.actorPlatform = trace.platform;
      }
    } catch (error) {
      if (!(error instanceof ExchangeError)) throw error;
      throw new ExchangeError(error.code, `actor_token: ${error.message}`, {
        reason: `actor_token: ${error.reason}`,
        cause: error,
      });
    }
  },
  describe: (state) =>
    `platform ${state.actor?.platform.name} verified the actor ${state.actor?.credential.identity.subject}`,
  failure: (state, error) => ({
    ...checkOf(error),
    presented: presentedView(state.actorPresented, state.request.actor?.type ?? ''),
  }),
};

/**
 * The highest-ranked matching policy in `enforce` mode of the subject's platform wins (priority,
 * then name); `audit`-mode policies are evaluated and their verdicts kept for the audit event.
 * `/token` evaluates only the candidates the platform's policy index gives, up to the winner;
 * explain (`state.exhaustive`) evaluates every policy.
 */
const decide: DecisionStep = {
  name: 'decide',
  applies: () => true,
  run: (state, deps) =>
    inSpan('fedbroker.policy.decide', (span) => {
      try {
        decidePolicy(state, deps);
      } finally {
        span.setAttributes({
          'fedbroker.policies.evaluated': state.evaluations?.length ?? 0,
          'fedbroker.policies.ruled_out': state.ruledOut ?? 0,
          ...(state.match ? { 'fedbroker.policy': state.match.policy } : {}),
        });
      }
    }),
  describe: (state) => `policy ${state.match?.policy} matched`,
};

function decidePolicy(state: ExchangeState, deps: ExchangeDependencies): void {
  const subject = state.subject;
  if (subject === undefined) return;
  const input = {
    claims: subject.credential.claims,
    identity: subject.credential.identity,
    request: {
      audience: state.request.targets,
      scopes: state.request.scopes ?? [],
      grantType: state.request.grantType,
    },
    actor: state.actor?.credential.identity,
  };
  state.policyInput = input;
  const policySet = deps.catalog.snapshot().policySetFor(subject.platform.id);
  state.policies = policySet.ranked;
  const decision = state.exhaustive
    ? policySet.evaluateAll(input, state.now)
    : policySet.decide(input, state.now);
  state.evaluations = decision.evaluations;
  state.auditMode = decision.auditMode;
  state.ruledOut = decision.ruledOut;
  if (decision.match === undefined || decision.winner === undefined) {
    throw new ExchangeError('credential_rejected', 'no trust policy matched the credential', {
      reason: noPolicyMatched(decision.evaluations, {
        policies: policySet.size,
        enforced: policySet.enforced,
        ruledOut: decision.ruledOut,
        ruledOutFirst: decision.ruledOutFirst,
      }),
    });
  }
  state.match = decision.match;
  state.winner = decision.winner;
  state.ttlSeconds = Math.min(decision.match.ttlSeconds, deps.maxTtlSeconds);
}

/** RFC 8693 §4.1: the winning policy decides whether the actor may act for the subject. */
const authorizeActor: DecisionStep = {
  name: 'authorize-actor',
  applies: (state) => state.request.actor !== undefined,
  run(state) {
    const { match, policyInput, winner } = state;
    if (match === undefined || policyInput === undefined) return;
    const decision = winner
      ? actorAllowed(winner, policyInput)
      : { allowed: false as const, reason: `policy ${match.policy} is not loaded` };
    if (!decision.allowed) {
      throw new ExchangeError('credential_rejected', 'the policy does not allow this actor', {
        reason: `actor_token: ${decision.reason}`,
      });
    }
  },
  describe: (state) => `policy ${state.match?.policy} allows the actor`,
};

const selectTargetsStep: DecisionStep = {
  name: 'select-targets',
  applies: () => true,
  run(state) {
    if (state.match === undefined) return;
    state.audience = selectTargets(state.request.targets, state.match);
    state.scopes = selectScopes(state.request.scopes, state.match);
  },
  describe: (state) => `audience ${state.audience?.join(' ')}; scopes ${state.scopes?.join(' ') || '(none)'}`,
};

/** Every decision step, in the order `/token` and explain run them. */
export const DECISION_STEPS: readonly DecisionStep[] = [
  verify,
  limitPlatform,
  authenticateClient,
  verifyActor,
  decide,
  authorizeActor,
  selectTargetsStep,
];

/** What a step did, as explain shows it. */
export interface StepOutcome {
  step: DecisionStepName;
  ok: boolean;
  detail: string;
  /** For a refused credential: the check that refused it (a verification error code). */
  check?: VerificationErrorCode;
  /** For a refused credential: its header and claims as presented, unverified, beside the check. */
  presented?: PresentedView;
}

/** The verification check behind a refusal, when a credential check refused it. */
function checkOf(error: ExchangeError): Pick<StepOutcome, 'check'> {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (isVerificationError(cause)) return { check: cause.code };
  }
  return {};
}

/**
 * Runs the decision steps over `state`, telling `onStep` how each went. Stops at the first step
 * that denies, rethrowing its error.
 */
export async function runDecision(
  state: ExchangeState,
  deps: ExchangeDependencies,
  onStep: (outcome: StepOutcome) => void = () => undefined,
): Promise<void> {
  for (const step of DECISION_STEPS) {
    if (!step.applies(state, deps)) continue;
    try {
      await step.run(state, deps);
    } catch (error) {
      if (error instanceof ExchangeError) {
        onStep({ step: step.name, ok: false, detail: error.reason, ...step.failure?.(state, error) });
      }
      throw error;
    }
    onStep({ step: step.name, ok: true, detail: step.describe(state) });
  }
}
