import type { z } from 'zod';
import type { PresentedCredential } from './credential/presented-credential';
import type { VerifiedCredential } from './identity';
import type { IdentityFields } from './identity-fields';
import type { IdentityPins } from './identity-pins';
import type { KeyResolver } from './keys/key-resolver';
import type { KeySource } from './keys/key-source';
import type { PlatformConfig, PlatformRegistration } from './platform-config';
import type { PlatformKind } from './platform-kind';

/** What locating and verifying a credential need besides the credential and the platform. */
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

/**
 * Everything fedbroker knows about one platform kind. One folder per kind implements it; the
 * pipeline knows nothing of any kind.
 *
 * A credential finds its platform through route keys (see `routing/route-keys.ts`): a registered
 * platform answers to {@link routeKeys}, a presented credential yields {@link locate}'s keys, most
 * specific first. Keys are unique across platforms (a registration that repeats one is refused),
 * so a credential is only ever verified against one platform's keys.
 */
export interface PlatformAdapter<Settings = unknown> {
  readonly kind: PlatformKind;
  /** Validates `settings` on admin writes (with their defaults). */
  readonly settingsSchema: z.ZodType<Settings>;
  /** Reads a loaded platform's settings, parsed once per loaded platform. */
  settings(platform: PlatformConfig): Settings;
  /** Token type URNs this kind accepts besides the JWT ones (RFC 8693 §3). */
  readonly extraTokenTypes: readonly string[];
  /** Whether the kind's credentials include JWTs (`…:jwt`, `…:id_token`, `…:access_token`). */
  readonly acceptsJwt: boolean;
  /** The kind's own identity fields and their CEL types, beyond the common ones. */
  readonly identityFields: IdentityFields;
  /** Which of those fields a policy can rely on, and when a platform serves many tenants. */
  readonly identityPins: IdentityPins;
  /**
   * The longest credential lifetime (`exp - iat`) or, for credentials that never expire, the
   * longest age accepted by default; a platform may tighten it in its settings.
   */
  readonly defaultMaxCredentialAgeSeconds: number;
  /** Problems that refuse a registration at write time; empty when it is acceptable. */
  registrationProblems(platform: PlatformRegistration, allowHttp: boolean): RegistrationProblem[];
  /** The route keys a registered platform answers to. */
  routeKeys(platform: PlatformRegistration): string[];
  /**
   * The registration field one of {@link routeKeys} comes from (`issuer`, `jwks`,
   * `settings.tenantId`…), named when another platform answers to that route too.
   */
  routeField(route: string): string;
  /**
   * The route keys to look a credential up by, most specific first; empty when the credential is not
   * of this kind. May call out (AWS STS); a verifier that cannot be reached is `verifier_unavailable`.
   *
   * @throws {VerificationError} when the credential is malformed for this kind.
   */
  locate(credential: PresentedCredential, ctx: VerifyContext): string[] | Promise<string[]>;
  /** Where the platform's keys come from, for verification and for the admin API's key status. */
  keySource(platform: PlatformConfig): KeySource;
  /**
   * Verifies a credential that located `platform` and normalizes its identity.
   *
   * @throws {VerificationError} when the credential is refused.
   */
  verify(
    credential: PresentedCredential,
    platform: PlatformConfig,
    ctx: VerifyContext,
  ): Promise<VerifiedCredential>;
}
