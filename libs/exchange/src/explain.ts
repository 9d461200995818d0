import type { Identity } from '@fedbroker/platforms';
import { evaluatePolicies, type PolicyEvaluation } from '@fedbroker/policy';
import { ExchangeError } from './exchange.error';
import type { ExchangeDependencies } from './exchange-dependencies';
import { GRANTS, TOKEN_TYPE } from './grants';
import { selectScopes, selectTargets } from './select-targets';
import { verifyCredential } from './verify-credential';

/** What to explain: a credential and, as on `/token`, the audiences and scopes it would ask for. */
export interface ExplainRequest {
  token: string;
  tokenType?: string | undefined;
  audience: string[];
  scopes: string[] | undefined;
  grantType?: string | undefined;
}

export interface ExplainStep {
  step: 'platform' | 'verification' | 'policy' | 'target' | 'scope';
  ok: boolean;
  detail: string;
}

/** What `/token` would decide for a credential, with the reasons; nothing is issued or audited. */
export interface ExplainReport {
  platform: { name: string; kind: string; issuer: string } | null;
  steps: ExplainStep[];
  identity: Identity | null;
  policies: PolicyEvaluation[];
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

/** Runs the `/token` decision for `request` at `deps.now()` and reports every step of it. */
export async function explain(deps: ExchangeDependencies, request: ExplainRequest): Promise<ExplainReport> {
  const report: ExplainReport = {
    platform: null,
    steps: [],
    identity: null,
    policies: [],
    decision: deny('', ''),
  };
  const grantType = request.grantType ?? GRANTS.keys().next().value ?? '';
  try {
    const verified = await verifyCredential(
      deps,
      request.token,
      request.tokenType ?? TOKEN_TYPE.jwt,
      deps.now(),
      (p) => {
        report.platform = { name: p.name, kind: p.kind, issuer: p.issuer };
        report.steps.push({ step: 'platform', ok: true, detail: `issuer ${p.issuer} is platform ${p.name}` });
      },
    );
    report.steps.push({
      step: 'verification',
      ok: true,
      detail: 'signature, times, audience and claims verified',
    });
    report.identity = verified.credential.identity;
    const decision = evaluatePolicies(deps.catalog.snapshot().policiesFor(verified.platform.id), {
      claims: verified.credential.claims,
      identity: verified.credential.identity,
      request: { audience: request.audience, scopes: request.scopes ?? [], grantType },
    });
    report.policies = decision.evaluations;
    const match = decision.match;
    if (!match) {
      report.steps.push({ step: 'policy', ok: false, detail: 'no policy matched' });
      report.decision = deny('credential_rejected', 'no policy matched');
      return report;
    }
    report.steps.push({ step: 'policy', ok: true, detail: `policy ${match.policy} matched` });
    const audience = selectTargets(request.audience, match);
    report.steps.push({ step: 'target', ok: true, detail: `audience ${audience.join(' ')}` });
    const scopes = selectScopes(request.scopes, match);
    report.steps.push({ step: 'scope', ok: true, detail: `scopes ${scopes.join(' ') || '(none)'}` });
    report.decision = {
      outcome: 'issue',
      policy: match.policy,
      subject: match.subject,
      audience,
      scopes,
      ttlSeconds: Math.min(match.ttlSeconds, deps.maxTtlSeconds),
      claims: match.claims,
    };
  } catch (error) {
    if (!(error instanceof ExchangeError)) throw error;
    report.steps.push({ step: stepOf(error, report), ok: false, detail: error.reason });
    report.decision = deny(error.code, error.reason);
  }
  return report;
}

function stepOf(error: ExchangeError, report: ExplainReport): ExplainStep['step'] {
  if (error.code === 'target_not_allowed') return 'target';
  if (error.code === 'scope_not_allowed') return 'scope';
  return report.platform === null ? 'platform' : 'verification';
}

function deny(error: string, reason: string): ExplainReport['decision'] {
  return { outcome: 'deny', error, reason };
}
