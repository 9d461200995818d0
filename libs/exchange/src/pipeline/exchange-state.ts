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
  /** Whether to evaluate every policy (explain) rather than the index's candidates up to the winner. */
  readonly exhaustive?: boolean;
  /** The subject credential as decoded, unverified (kept when verification then fails). */
  presented?: PresentedCredential;
  /** The subject credential's platform, once located (kept even when verification then fails). */
  platform?: PlatformConfig;
  subject?: VerifiedPresentation;
  actorPresented?: PresentedCredential;
  actorPlatform?: PlatformConfig;
  actor?: VerifiedPresentation;
  /** Every policy of the subject's platform, in rank order. */
  policies?: readonly CompiledPolicy[];
  policyInput?: PolicyInput;
  /** The policies evaluated, in rank order: every one for explain, the index's candidates on `/token`. */
  evaluations?: PolicyEvaluation[];
  /** How many `enforce`-mode policies the index ruled out, unevaluated. */
  ruledOut?: number;
  /** What each `audit`-mode policy would have done. */
  auditMode?: AuditModeVerdict[];
  match?: PolicyMatch;
  /** The policy that granted `match`. */
  winner?: CompiledPolicy;
  audience?: string[];
  scopes?: string[];
  ttlSeconds?: number;
}
