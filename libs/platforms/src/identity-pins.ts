import type { PlatformRegistration } from './platform-config';

/**
 * What a kind's identity fields are worth to a policy: which values stay with one workload or tenant
 * for good, which are names someone else can take again, and when one platform of the kind takes
 * the credentials of many tenants (a shared issuer).
 */
export interface IdentityPins {
  /** Fields whose values are never reused for another workload, account or tenant: what to pin. */
  readonly immutableFields: readonly string[];
  /**
   * Names that can be deleted and registered again by someone else. A condition on them that pins
   * none of {@link immutableFields} is answered with a warning.
   */
  readonly mutableNames: readonly string[];
  /** Immutable fields naming a tenant (or something narrower inside one). */
  readonly tenantFields: readonly string[];
  /**
   * Why `platform` takes the credentials of many tenants, or undefined when it serves one. A policy
   * of such a platform must pin one of {@link tenantFields}.
   */
  sharedIssuer(platform: PlatformRegistration): string | undefined;
}

/** The shared-issuer rule of kinds whose multi-tenant issuers are known URLs: issuer to why. */
export function sharedIssuers(
  issuers: Readonly<Record<string, string>>,
): (platform: PlatformRegistration) => string | undefined {
  return (platform) => (Object.hasOwn(issuers, platform.issuer) ? issuers[platform.issuer] : undefined);
}

/** The rule of kinds whose every platform is one tenant (one cluster, trust domain or account). */
export const NEVER_SHARED = (): undefined => undefined;
