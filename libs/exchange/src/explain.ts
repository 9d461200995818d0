import { decodeCompactJws, type DecodedJwt, type Identity } from '@fedbroker/platforms';
import type { AuditModeVerdict, PolicyEvaluation } from '@fedbroker/policy';
import { ExchangeError } from './exchange.error';
import type { ExchangeDependencies } from './exchange-dependencies';
import { GRANTS, TOKEN_TYPE, type GrantRequest } from './grants';
import { runDecision, type StepOutcome } from './pipeline/decision-steps';
import type { ExchangeState } from './pipeline/exchange-state';

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

/** What `/token` would decide for a credential, with the reasons; nothing is issued or audited. */
export interface ExplainReport {
  platform: { name: string; kind: string; issuer: string } | null;
  /** The credential's header and claims as presented, unverified: what the checks looked at. */
  presented: DecodedJwt | null;
  steps: ExplainStep[];
  identity: Identity | null;
  /** How `/token` ranks the policies of a platform and picks the winner, in words. */
  ranking: string;
  /** Every policy of the platform, ranked as `/token` ranks them (priority, then name). */
  policies: PolicyEvaluation[];
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

const RANKING =
  'highest priority first, then name ascending; the first matched policy in enforce mode grants, and ' +
  'disabled, expired and audit-mode policies never grant';

/** Runs the `/token` decision steps for `request` at `deps.now()`, reporting each; never mints or audits. */
export async function explain(deps: ExchangeDependencies, request: ExplainRequest): Promise<ExplainReport> {
  const report: ExplainReport = {
    platform: null,
    presented: readUnverified(request.token),
    steps: [],
    identity: null,
    ranking: RANKING,
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
  const state: ExchangeState = { now: deps.now(), request: grantRequest };
  try {
    await runDecision(state, deps, (outcome) => report.steps.push(outcome));
    const { match } = state;
    if (match !== undefined) {
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
    report.identity = state.subject?.credential.identity ?? null;
    report.policies = state.evaluations ?? [];
    report.auditMode = state.auditMode ?? [];
  }
  return report;
}

function readUnverified(token: string): DecodedJwt | null {
  try {
    return decodeCompactJws(token);
  } catch {
    return null;
  }
}
