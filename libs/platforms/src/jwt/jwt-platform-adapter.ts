import type { JWTPayload } from 'jose';
import type { z } from 'zod';
import type { PresentedCredential } from '../credential/presented-credential';
import { verifiedJwtCredential } from '../credential/verified-jwt-credential';
import type { Identity, VerifiedCredential } from '../identity';
import type { IdentityFields } from '../identity-fields';
import type { IdentityPins } from '../identity-pins';
import { jwtKeySource, type KeySource } from '../keys/key-source';
import type { PlatformAdapter, RegistrationProblem, VerifyContext } from '../platform-adapter';
import type { PlatformConfig, PlatformRegistration } from '../platform-config';
import type { PlatformKind } from '../platform-kind';
import { issuerRouteField } from '../routing/route-keys';
import { settingsReader } from '../settings/settings-reader';
import { verifyPlatformJwt, type PlatformJwtRules, type VerifiedPlatformJwt } from './verify-platform-jwt';

/** The settings every JWT kind has: a platform may cap the token lifetime below the kind's default. */
export interface JwtKindSettings {
  maxTokenLifetimeSeconds?: number;
}

/**
 * What sets one JWT-based platform kind apart, for a kind whose keys come from the platform's
 * `jwks`, `jwksUri` or OIDC discovery; {@link JwtPlatformAdapter} does the rest.
 */
export interface JwtKind<Settings extends JwtKindSettings> {
  kind: PlatformKind;
  settingsSchema: z.ZodType<Settings>;
  identityFields: IdentityFields;
  identityPins: IdentityPins;
  /** The longest `exp - iat` accepted when the platform's settings do not say. */
  defaultMaxTokenLifetimeSeconds: number;
  registrationProblems(platform: PlatformRegistration, allowHttp: boolean): RegistrationProblem[];
  routeKeys(platform: PlatformRegistration): string[];
  locate(credential: PresentedCredential): string[];
  /**
   * Refuses, from the unverified claims, a credential shape the kind recognizes and never accepts,
   * before it is located and again before it is verified.
   */
  screen?: (claims: JWTPayload) => void;
  /** Accepted algorithms, when the kind signs with fewer than the shared allow-list. */
  algorithms?: readonly string[];
  inspect?: PlatformJwtRules['inspect'];
  /** The normalized identity of a verified token. */
  identity(platform: PlatformConfig, jwt: VerifiedPlatformJwt): Identity;
}

/** A JWT-based platform kind: the shared JWT checks, then the kind's own identity. */
export class JwtPlatformAdapter<Settings extends JwtKindSettings> implements PlatformAdapter<Settings> {
  readonly kind: PlatformKind;
  readonly settingsSchema: z.ZodType<Settings>;
  readonly settings: (platform: PlatformConfig) => Settings;
  readonly extraTokenTypes: readonly string[] = [];
  readonly acceptsJwt = true;
  readonly identityFields: IdentityFields;
  readonly identityPins: IdentityPins;
  readonly defaultMaxCredentialAgeSeconds: number;

  constructor(private readonly rules: JwtKind<Settings>) {
    this.kind = rules.kind;
    this.settingsSchema = rules.settingsSchema;
    this.settings = settingsReader(rules.settingsSchema);
    this.identityFields = rules.identityFields;
    this.identityPins = rules.identityPins;
    this.defaultMaxCredentialAgeSeconds = rules.defaultMaxTokenLifetimeSeconds;
  }

  registrationProblems(platform: PlatformRegistration, allowHttp: boolean): RegistrationProblem[] {
    return this.rules.registrationProblems(platform, allowHttp);
  }

  routeKeys(platform: PlatformRegistration): string[] {
    return this.rules.routeKeys(platform);
  }

  routeField(route: string): string {
    return issuerRouteField(route);
  }

  locate(credential: PresentedCredential): string[] {
    this.screen(credential);
    return this.rules.locate(credential);
  }

  keySource(platform: PlatformConfig): KeySource {
    return jwtKeySource(platform);
  }

  async verify(
    credential: PresentedCredential,
    platform: PlatformConfig,
    ctx: VerifyContext,
  ): Promise<VerifiedCredential> {
    this.screen(credential);
    const jwt = await verifyPlatformJwt(credential, platform, ctx, {
      maxLifetimeSeconds:
        this.settings(platform).maxTokenLifetimeSeconds ?? this.defaultMaxCredentialAgeSeconds,
      algorithms: this.rules.algorithms,
      inspect: this.rules.inspect,
    });
    return verifiedJwtCredential(credential, platform, jwt, this.rules.identity(platform, jwt));
  }

  private screen(credential: PresentedCredential): void {
    if (credential.jwt !== undefined) this.rules.screen?.(credential.jwt.claims);
  }
}
