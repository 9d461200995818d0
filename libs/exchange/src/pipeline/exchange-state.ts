import type { PlatformConfig, PresentedCredential, VerifiedCredential } from '@fedbroker/platforms';
import type {
  AuditModeVerdict,
  CompiledPolicy,
  PolicyEvaluation,
  PolicyInput,
  PolicyMatch,
} from '@fedbroker/policy';
import type { GrantRequest } from '../grants';

/** A credential verified by the platform it located. */
export interface VerifiedPresentation {
  platform: PlatformConfig;
  credential: VerifiedCredential;
}

/**
 * What one request has established so far. The decision steps fill it in order; `/token` mints
 * from it and audits it, explain reports it.
 */
export interface ExchangeState {
  readonly now: Date;
  readonly request: GrantRequest;
  /** The subject credential as decoded, unverified (kept when verification then fails). */
  presented?: PresentedCredential;
  /** The subject credential's platform, once located (kept even when verification then fails). */
  platform?: PlatformConfig;
  subject?: VerifiedPresentation;
  actorPresented?: PresentedCredential;
  actorPlatform?: PlatformConfig;
  actor?: VerifiedPresentation;
  /** The policies of the subject's platform that were evaluated. */
  policies?: readonly CompiledPolicy[];
  policyInput?: PolicyInput;
  evaluations?: PolicyEvaluation[];
  /** What each `audit`-mode policy would have done. */
  auditMode?: AuditModeVerdict[];
  match?: PolicyMatch;
  audience?: string[];
  scopes?: string[];
  ttlSeconds?: number;
}
