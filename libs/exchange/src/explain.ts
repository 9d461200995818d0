import type { Identity } from '@fedbroker/platforms';
import {
  firstFalseConjunct,
  RANKING_RULE,
  type AuditModeVerdict,
  type CompiledPolicy,
  type FalseConjunct,
  type PolicyEvaluation,
} from '@fedbroker/policy';
import { ExchangeError } from './exchange.error';
import type { ExchangeDependencies } from './exchange-dependencies';
import { GRANTS, TOKEN_TYPE, type GrantRequest } from './grants';
import { runDecision, type StepOutcome } from './pipeline/decision-steps';
import type { ExchangeState } from './pipeline/exchange-state';
import { presentedView, type PresentedView } from './pipeline/presented-view';
import { replayGuardOf } from './pipeline/replay-guard-of';

/** What to explain: a credential and, as on `/token`, the grant, audiences, scopes and actor. */
export interface ExplainRequest {
  token: string;
  tokenType?: string | undefined;
  audience: string[];
  scopes: string[] | undefined;
  grantType?: string | undefined;
  actorToken?: string | undefined;
  actorTokenType?: string | undefined;
  clientId?: string | undefined;
}

export type ExplainStep = StepOutcome;

/**
 * How one policy fared (with its priority and mode), where it ranks, and for a false condition which
 * part of it was false.
 */
export interface ExplainPolicy extends PolicyEvaluation {
  /** Its place in the ranking, from 1. */
  rank: number;
  /** For a false condition that is an `&&` chain: its first false conjunct. */
  falseConjunct?: FalseConjunct;
}

/** What `/token` would decide for a credential, with the reasons; nothing is issued or audited. */
export interface ExplainReport {
  platform: { name: string; kind: string; issuer: string } | null;
  /** The credential as presented, unverified: its type and, for a JWT, the header and claims checked. */
  presented: PresentedView;
  steps: ExplainStep[];
  identity: Identity | null;
  /** How `/token` ranks policies and which one grants: {@link RANKING_RULE}. */
  ranking: string;
  /** Every policy of the platform, ranked as `/token` ranks them (priority, then name). */
  policies: ExplainPolicy[];
  /** What each `audit`-mode policy would have done had it been enforced (recorded in the audit event). */
  auditMode: AuditModeVerdict[];
  decision:
    | {
        outcome: 'issue';
        policy: string;
        subject: string;
        audience: string[];
        scopes: string[];
        ttlSeconds: number;
        claims: Record<string, unknown>;
      }
    | { outcome: 'deny'; error: string; reason: string };
}

/** Runs the `/token` decision steps for `request` at `deps.now()`, reporting each; never mints or audits. */
export async function explain(deps: ExchangeDependencies, request: ExplainRequest): Promise<ExplainReport> {
  const report: ExplainReport = {
    platform: null,
    presented: presentedView(undefined, request.tokenType ?? TOKEN_TYPE.jwt),
    steps: [],
    identity: null,
    ranking: RANKING_RULE,
    policies: [],
    auditMode: [],
    decision: { outcome: 'deny', error: '', reason: '' },
  };
  const grantType = request.grantType ?? GRANTS.keys().next().value ?? '';
  const grant = GRANTS.get(grantType);
  if (grant === undefined) {
    report.decision = {
      outcome: 'deny',
      error: 'unsupported_grant_type',
      reason: `${grantType} is not a grant`,
    };
    return report;
  }
  const grantRequest: GrantRequest = {
    kind: grant.kind,
    grantType,
    credential: request.token,
    credentialType: request.tokenType ?? TOKEN_TYPE.jwt,
    ...(request.actorToken === undefined
      ? {}
      : { actor: { token: request.actorToken, type: request.actorTokenType ?? TOKEN_TYPE.jwt } }),
    targets: request.audience,
    scopes: request.scopes,
    clientId: request.clientId,
    authenticatesClient: grant.kind === 'client-credentials',
    issuedTokenType: TOKEN_TYPE.accessToken,
  };
  const state: ExchangeState = { now: deps.now(), request: grantRequest, exhaustive: true };
  try {
    await runDecision(state, deps, (outcome) => report.steps.push(outcome));
    const { match } = state;
    if (match !== undefined) {
      await checkReplay(state, deps, (outcome) => report.steps.push(outcome));
      report.decision = {
        outcome: 'issue',
        policy: match.policy,
        subject: match.subject,
        audience: state.audience ?? [],
        scopes: state.scopes ?? [],
        ttlSeconds: state.ttlSeconds ?? 0,
        claims: match.claims,
      };
    }
  } catch (error) {
    if (!(error instanceof ExchangeError)) throw error;
    report.decision = { outcome: 'deny', error: error.code, reason: error.reason };
  } finally {
    const platform = state.platform;
    report.platform = platform ? { name: platform.name, kind: platform.kind, issuer: platform.issuer } : null;
    report.presented = presentedView(state.presented, grantRequest.credentialType);
    report.identity = state.subject?.credential.identity ?? null;
    report.policies = explainPolicies(state);
    report.auditMode = state.auditMode ?? [];
  }
  return report;
}

/**
 * Under one-time use, whether the credential was already accepted, as `/token` finds out when its
 * audit event claims the key; here only read, so explaining takes nothing.
 */
async function checkReplay(
  state: ExchangeState,
  deps: ExchangeDependencies,
  report: (outcome: StepOutcome) => void,
): Promise<void> {
  const claim = replayGuardOf(state);
  if (claim === undefined || deps.replayKeys === undefined) return;
  if (await deps.replayKeys.used(claim.key, state.now)) {
    const reason = `the credential was already used (one-time use, replay key ${claim.key})`;
    report({ step: 'replay', ok: false, detail: reason });
    throw new ExchangeError('replayed', 'the credential has already been used', { reason });
  }
  report({ step: 'replay', ok: true, detail: 'not used before (one-time use)' });
}

function explainPolicies(state: ExchangeState): ExplainPolicy[] {
  const byName = new Map<string, CompiledPolicy>(state.policies?.map((p) => [p.definition.name, p]));
  return (state.evaluations ?? []).map((evaluation, index) => {
    const policy = byName.get(evaluation.policy);
    const falseConjunct =
      evaluation.result === 'not_matched' && policy !== undefined && state.policyInput !== undefined
        ? firstFalseConjunct(policy, state.policyInput)
        : undefined;
    return {
      ...evaluation,
      rank: index + 1,
      ...(falseConjunct === undefined ? {} : { falseConjunct }),
    };
  });
}
