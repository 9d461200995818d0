import type { z } from 'zod';
import type { VerifiedCredential } from './identity';
import type { KeyResolver } from './keys/key-resolver';
import type { PlatformConfig, PlatformRegistration } from './platform-config';
import type { PlatformKind } from './platform-kind';

/** What a verification needs besides the token and the platform. */
export interface VerifyContext {
  /** The clock for every time check. */
  now: Date;
  keys: KeyResolver;
  /** Accept `http://` key URLs on non-loopback hosts. */
  allowHttp: boolean;
}

/** One refused field of a platform registration. */
export interface RegistrationProblem {
  /** The body field, dotted for nested values (`settings.maxTokenLifetimeSeconds`). */
  field: string;
  message: string;
}

/** Everything fedbroker knows about one platform kind. One folder per kind implements it. */
export interface PlatformAdapter {
  readonly kind: PlatformKind;
  /** Validates `settings` on admin writes. */
  readonly settingsSchema: z.ZodType<Record<string, unknown>>;
  /** `subject_token_type` URNs accepted besides the JWT ones. */
  readonly extraTokenTypes: readonly string[];
  /** Problems that refuse a registration at write time; empty when it is acceptable. */
  registrationProblems(platform: PlatformRegistration, allowHttp: boolean): RegistrationProblem[];
  /**
   * Verifies a credential issued by `platform` and normalizes its identity.
   *
   * @throws {VerificationError} when the credential is refused.
   */
  verify(token: string, platform: PlatformConfig, ctx: VerifyContext): Promise<VerifiedCredential>;
}
