import { createHash, randomUUID } from 'node:crypto';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { AuditRecordError, AuditReplayedError, type AuditRecord } from '@fedbroker/audit';
import { refuseUnsupportedClientAuthentication } from './client-authentication';
import { ExchangeError, type ExchangeErrorCode } from './exchange.error';
import { explain, type ExplainReport, type ExplainRequest } from './explain';
import type { ExchangeDependencies, RequestContext, TokenOutcome } from './exchange-dependencies';
import { GRANTS, type GrantKind } from './grants';
import { auditModeReason } from './pipeline/audit-mode-reason';
import { runDecision } from './pipeline/decision-steps';
import type { ExchangeState } from './pipeline/exchange-state';
import { readUnverified } from './pipeline/read-unverified';
import { replayGuardOf } from './pipeline/replay-guard-of';
import { parseTokenForm, type TokenForm } from './token-form';
import { inSpan } from './tracing';

/** A decided grant: its token being signed, and the response once it is. */
interface Grant {
  signed: Promise<string>;
  respond(accessToken: string): TokenResponse;
}

/** RFC 6749 §5.1 / RFC 8693 §2.2.1 success body. */
export interface TokenResponse {
  access_token: string;
  issued_token_type: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
}

/** The outcome the audit event records, filled in as the request moves through the pipeline. */
type Trail = Omit<AuditRecord, 'outcome' | 'time'>;

/**
 * The `/token` use case: read the grant, verify the credential against its platform, find the
 * policy, mint, and audit — every request, granted or denied, before the answer leaves.
 */
export class TokenService {
  private readonly subjectTokenTypes: ReadonlySet<string>;

  constructor(private readonly deps: ExchangeDependencies) {
    this.subjectTokenTypes = new Set(deps.adapters.tokenTypes());
  }

  /**
   * Serves one `/token` request: `body` is the raw form, or null when the request carried something
   * else. Malformed requests are denials too, audited like the rest.
   *
   * @throws {ExchangeError} after the denial is audited.
   */
  exchange(body: string | null, context: RequestContext): Promise<TokenResponse> {
    return inSpan(
      'fedbroker.token',
      async (span) => {
        span.setAttribute('fedbroker.request_id', context.requestId);
        const settled = (outcome: TokenOutcome): void => {
          span.setAttributes(outcomeAttributes(outcome));
          context.onSettled?.(outcome);
        };
        const now = this.deps.now();
        const trail: Trail = {
          requestId: context.requestId,
          exchangeId: randomUUID(),
          clientIp: context.clientIp,
          userAgent: context.userAgent,
          grantType: null,
        };
        let grantKind: GrantKind | undefined;
        try {
          if (body === null) {
            throw new ExchangeError(
              'malformed_request',
              'the body must be application/x-www-form-urlencoded',
            );
          }
          const form = parseTokenForm(body);
          trail.grantType = form.get('grant_type')?.[0] ?? null;
          grantKind = GRANTS.get(trail.grantType ?? '')?.kind;
          const granted = await this.grant(form, now, trail, context.authorizationScheme);
          // The event is written while the token is signed, and committed only once it is.
          await this.audit({ ...trail, time: now, outcome: 'issued' }, grantKind, granted.signed);
          const response = granted.respond(await granted.signed);
          settled(outcomeOf(grantKind, trail, undefined));
          return response;
        } catch (error) {
          const denial =
            error instanceof ExchangeError
              ? error
              : new ExchangeError('internal', 'the request could not be completed', { cause: error });
          denial.grant = grantKind;
          const reason = trail.reason ? `${denial.reason}; ${trail.reason}` : denial.reason;
          try {
            await this.audit(
              { ...trail, time: now, outcome: 'denied', error: denial.code, reason, replayGuard: undefined },
              grantKind,
            );
          } catch (failure) {
            settled(
              outcomeOf(grantKind, trail, failure instanceof ExchangeError ? failure.code : 'internal'),
            );
            throw failure;
          }
          settled(outcomeOf(grantKind, trail, denial.code));
          throw denial;
        }
      },
      { kind: SpanKind.SERVER },
    );
  }

  /** Decides and starts signing: the token's claims are in `trail`, the response waits for `signed`. */
  private async grant(
    form: TokenForm,
    now: Date,
    trail: Trail,
    authorizationScheme: string | undefined,
  ): Promise<Grant> {
    const grantType = form.get('grant_type')?.[0];
    const grant = GRANTS.get(grantType ?? '');
    refuseUnsupportedClientAuthentication(form, grant, authorizationScheme);
    if (!grantType) throw new ExchangeError('malformed_request', 'the parameter grant_type is required');
    if (!grant) throw new ExchangeError('unsupported_grant_type', 'the grant_type is not supported');
    const request = grant.read(form, this.subjectTokenTypes);
    trail.subjectTokenSha256 = sha256(request.credential);
    trail.clientId = request.clientId ?? null;

    const state: ExchangeState = { now, request };
    try {
      await runDecision(state, this.deps);
    } finally {
      recordDecision(trail, state);
    }
    const { match, subject, audience = [], scopes = [], ttlSeconds = 0 } = state;
    if (match === undefined || subject === undefined) {
      throw new ExchangeError('internal', 'the decision ended without a policy');
    }
    const token = this.deps.minter.start({
      issuer: this.deps.issuer,
      subject: match.subject,
      audience,
      scopes,
      clientId: subject.credential.identity.subject,
      ttlSeconds,
      now,
      claims: match.claims,
      act: state.actor
        ? { sub: state.actor.credential.identity.subject, iss: state.actor.platform.issuer }
        : undefined,
    });
    const signed = inSpan('fedbroker.mint', (span) => {
      span.setAttributes({
        'fedbroker.signing_key.kid': token.kid,
        'fedbroker.token.ttl_seconds': ttlSeconds,
      });
      return token.signed;
    }).catch((error: unknown) => {
      throw new ExchangeError('internal', 'the request could not be completed', { cause: error });
    });
    trail.tokenId = token.jti;
    trail.issuedSubject = match.subject;
    trail.expiresAt = token.expiresAt;
    trail.replayGuard = replayGuardOf(state);
    return {
      signed,
      respond: (accessToken) => ({
        access_token: accessToken,
        issued_token_type: request.issuedTokenType,
        token_type: 'Bearer',
        expires_in: ttlSeconds,
        ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
      }),
    };
  }

  /** What `/token` would decide for a credential, step by step, issuing and auditing nothing. */
  explain(request: ExplainRequest): Promise<ExplainReport> {
    return inSpan('fedbroker.explain', () =>
      explain({ ...this.deps, platformRateLimit: undefined }, request),
    );
  }

  /**
   * Audits a request the HTTP layer refused before reading it (wrong method, body over the cap) and
   * returns the error to answer with: `refusal`, or `unavailable` when the audit row cannot be written.
   */
  async refuse(refusal: ExchangeError, context: RequestContext): Promise<ExchangeError> {
    let answer = refusal;
    try {
      await this.audit({
        requestId: context.requestId,
        clientIp: context.clientIp,
        userAgent: context.userAgent,
        grantType: null,
        time: this.deps.now(),
        outcome: 'denied',
        error: refusal.code,
        reason: refusal.reason,
      });
    } catch (error) {
      if (error instanceof ExchangeError) answer = error;
    }
    context.onSettled?.({ grant: undefined, outcome: 'denied', error: answer.code, platform: undefined });
    return answer;
  }

  /** Writes `record`, committed once `ready` resolves; rejects with `ready`'s ExchangeError if it fails. */
  private async audit(record: AuditRecord, grant?: GrantKind, ready?: Promise<unknown>): Promise<void> {
    try {
      await inSpan('fedbroker.audit.commit', async (span) => {
        span.setAttribute('fedbroker.outcome', record.outcome);
        await this.deps.audit.write(record, ready);
      });
    } catch (error) {
      if (error instanceof ExchangeError) {
        error.grant = grant;
        throw error;
      }
      if (error instanceof AuditReplayedError) {
        const replayed = new ExchangeError('replayed', 'the credential has already been used', {
          reason: `the credential was already used (one-time use, replay key ${error.replayKey})`,
          cause: error,
        });
        replayed.grant = grant;
        throw replayed;
      }
      const failure =
        error instanceof AuditRecordError
          ? new ExchangeError('internal', 'the request could not be completed', { cause: error })
          : new ExchangeError('unavailable', 'the service is temporarily unavailable', { cause: error });
      failure.grant = grant;
      throw failure;
    }
  }
}

function outcomeOf(
  grant: GrantKind | undefined,
  trail: Trail,
  error: ExchangeErrorCode | undefined,
): TokenOutcome {
  return {
    grant,
    outcome: error === undefined ? 'issued' : 'denied',
    error,
    platform: trail.platform ?? undefined,
  };
}

function outcomeAttributes(outcome: TokenOutcome): Attributes {
  return {
    'fedbroker.outcome': outcome.outcome,
    ...(outcome.grant ? { 'fedbroker.grant': outcome.grant } : {}),
    ...(outcome.error ? { 'fedbroker.error': outcome.error } : {}),
    ...(outcome.platform ? { 'fedbroker.platform': outcome.platform } : {}),
  };
}

/**
 * What the decision established, for the audit event: kept when a later step denies. `reason`
 * carries the verdicts of `audit`-mode policies (after the denial's reason, when denied).
 */
function recordDecision(trail: Trail, state: ExchangeState): void {
  const auditMode = auditModeReason(state.auditMode);
  if (auditMode !== undefined) trail.reason = auditMode;
  if (state.platform) {
    trail.platform = state.platform.name;
    trail.issuer = state.platform.issuer;
  }
  if (state.subject) trail.subject = state.subject.credential.identity.subject;
  else trail.unverified = readUnverified(state.presented) ?? null;
  if (state.actor) trail.actorSubject = state.actor.credential.identity.subject;
  if (state.match) trail.policy = state.match.policy;
  if (state.audience) trail.audience = state.audience;
  if (state.scopes) trail.scopes = state.scopes;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
