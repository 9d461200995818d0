import { createHash } from 'node:crypto';
import { AuditRecordError, type AuditRecord } from '@fedbroker/audit';
import type { PlatformConfig } from '@fedbroker/platforms';
import {
  actorAllowed,
  evaluatePolicies,
  type CompiledPolicy,
  type PolicyInput,
  type PolicyMatch,
} from '@fedbroker/policy';
import { ExchangeError } from './exchange.error';
import { explain, type ExplainReport, type ExplainRequest } from './explain';
import type { ExchangeDependencies, RequestContext } from './exchange-dependencies';
import { GRANTS, TOKEN_TYPE, type GrantKind } from './grants';
import { selectScopes, selectTargets } from './select-targets';
import { parseTokenForm, type TokenForm } from './token-form';
import { verifyCredential, type VerifiedPresentation } from './verify-credential';

const JWT_TOKEN_TYPES = [TOKEN_TYPE.jwt, TOKEN_TYPE.idToken, TOKEN_TYPE.accessToken];

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
    this.subjectTokenTypes = new Set([
      ...JWT_TOKEN_TYPES,
      ...deps.adapters.kinds().flatMap((kind) => deps.adapters.get(kind).extraTokenTypes),
    ]);
  }

  /**
   * Serves one `/token` request: `body` is the raw form, or null when the request carried something
   * else. Malformed requests are denials too, audited like the rest.
   *
   * @throws {ExchangeError} after the denial is audited.
   */
  async exchange(body: string | null, context: RequestContext): Promise<TokenResponse> {
    const now = this.deps.now();
    const trail: Trail = {
      requestId: context.requestId,
      clientIp: context.clientIp,
      userAgent: context.userAgent,
      grantType: null,
    };
    let grantKind: GrantKind | undefined;
    try {
      if (body === null) {
        throw new ExchangeError('malformed_request', 'the body must be application/x-www-form-urlencoded');
      }
      const form = parseTokenForm(body);
      trail.grantType = form.get('grant_type')?.[0] ?? null;
      grantKind = GRANTS.get(trail.grantType ?? '')?.kind;
      const response = await this.grant(form, now, trail);
      await this.audit({ ...trail, time: now, outcome: 'issued' });
      return response;
    } catch (error) {
      const denial =
        error instanceof ExchangeError
          ? error
          : new ExchangeError('internal', 'the request could not be completed', { cause: error });
      denial.grant = grantKind;
      await this.audit(
        { ...trail, time: now, outcome: 'denied', error: denial.code, reason: denial.reason },
        grantKind,
      );
      throw denial;
    }
  }

  private async grant(form: TokenForm, now: Date, trail: Trail): Promise<TokenResponse> {
    const grantType = form.get('grant_type')?.[0];
    if (!grantType) throw new ExchangeError('malformed_request', 'the parameter grant_type is required');
    const grant = GRANTS.get(grantType);
    if (!grant) throw new ExchangeError('unsupported_grant_type', 'the grant_type is not supported');
    const request = grant.read(form, this.subjectTokenTypes);
    trail.subjectTokenSha256 = sha256(request.credential);
    trail.clientId = request.clientId ?? null;

    const subject = await verifyCredential(this.deps, request.credential, request.credentialType, now, (p) =>
      recordPlatform(trail, p),
    );
    trail.subject = subject.credential.identity.subject;
    if (request.authenticatesClient && request.clientId !== undefined && request.clientId !== trail.subject) {
      throw new ExchangeError('client_mismatch', 'the client_id does not match the client assertion', {
        reason: `client_id ${request.clientId} differs from the assertion's sub`,
      });
    }
    const actor = request.actor
      ? await this.verifyActor(request.actor.token, request.actor.type, now)
      : undefined;
    if (actor) trail.actorSubject = actor.credential.identity.subject;

    const policies = this.deps.catalog.snapshot().policiesFor(subject.platform.id);
    const input: PolicyInput = {
      claims: subject.credential.claims,
      identity: subject.credential.identity,
      request: { audience: request.targets, scopes: request.scopes ?? [], grantType: request.grantType },
      actor: actor?.credential.identity,
    };
    const match = decide(policies, input);
    trail.policy = match.policy;
    if (actor) authorizeActor(policies, match, input);
    const audience = selectTargets(request.targets, match);
    const scopes = selectScopes(request.scopes, match);
    trail.audience = audience;
    trail.scopes = scopes;

    const ttlSeconds = Math.min(match.ttlSeconds, this.deps.maxTtlSeconds);
    const minted = await this.deps.minter.mint({
      issuer: this.deps.issuer,
      subject: match.subject,
      audience,
      scopes,
      clientId: subject.credential.identity.subject,
      ttlSeconds,
      now,
      claims: match.claims,
      act: actor ? { sub: actor.credential.identity.subject, iss: actor.platform.issuer } : undefined,
    });
    trail.tokenId = minted.jti;
    trail.expiresAt = minted.expiresAt;
    return {
      access_token: minted.token,
      issued_token_type: request.issuedTokenType,
      token_type: 'Bearer',
      expires_in: ttlSeconds,
      ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
    };
  }

  private async verifyActor(token: string, type: string, now: Date): Promise<VerifiedPresentation> {
    try {
      return await verifyCredential(this.deps, token, type, now);
    } catch (error) {
      if (error instanceof ExchangeError) {
        throw new ExchangeError(error.code, `actor_token: ${error.message}`, {
          reason: `actor_token: ${error.reason}`,
          cause: error,
        });
      }
      throw error;
    }
  }

  /** What `/token` would decide for a credential, step by step, issuing and auditing nothing. */
  explain(request: ExplainRequest): Promise<ExplainReport> {
    return explain(this.deps, request);
  }

  /**
   * Audits a request the HTTP layer refused before reading it (wrong method, body over the cap) and
   * returns the error to answer with: `refusal`, or `unavailable` when the audit row cannot be written.
   */
  async refuse(refusal: ExchangeError, context: RequestContext): Promise<ExchangeError> {
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
      return refusal;
    } catch (error) {
      return error instanceof ExchangeError ? error : refusal;
    }
  }

  private async audit(record: AuditRecord, grant?: GrantKind): Promise<void> {
    try {
      await this.deps.audit.write(record);
    } catch (error) {
      const failure =
        error instanceof AuditRecordError
          ? new ExchangeError('internal', 'the request could not be completed', { cause: error })
          : new ExchangeError('unavailable', 'the service is temporarily unavailable', { cause: error });
      failure.grant = grant;
      throw failure;
    }
  }
}

function decide(policies: readonly CompiledPolicy[], input: PolicyInput): PolicyMatch {
  const decision = evaluatePolicies(policies, input);
  if (!decision.match) {
    const detail = decision.evaluations.map(
      (e) => `${e.policy}: ${e.result}${e.reason ? ` (${e.reason})` : ''}`,
    );
    throw new ExchangeError('credential_rejected', 'no trust policy matched the credential', {
      reason: detail.length > 0 ? `no policy matched; ${detail.join('; ')}` : 'the platform has no policy',
    });
  }
  return decision.match;
}

/** RFC 8693 §4.1: the winning policy decides whether the actor may act for the subject. */
function authorizeActor(policies: readonly CompiledPolicy[], match: PolicyMatch, input: PolicyInput): void {
  const winner = policies.find((policy) => policy.definition.name === match.policy);
  const decision = winner
    ? actorAllowed(winner, input)
    : { allowed: false as const, reason: `policy ${match.policy} is no longer loaded` };
  if (!decision.allowed) {
    throw new ExchangeError('credential_rejected', 'the policy does not allow this actor', {
      reason: `actor_token: ${decision.reason}`,
    });
  }
}

function recordPlatform(trail: Trail, platform: PlatformConfig): void {
  trail.platform = platform.name;
  trail.issuer = platform.issuer;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
