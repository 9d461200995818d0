import type { PlatformRecord, PolicyRecord } from './catalog-records';

/** A platform as the admin API returns it: undefined fields left out, times in ISO 8601. */
export function platformView(p: PlatformRecord): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    kind: p.kind,
    issuer: p.issuer,
    ...(p.jwksUri !== undefined ? { jwksUri: p.jwksUri } : {}),
    ...(p.jwks !== undefined ? { jwks: p.jwks } : {}),
    ...(p.caBundle !== undefined ? { caBundle: p.caBundle } : {}),
    audiences: p.audiences,
    clockSkewSeconds: p.clockSkewSeconds,
    settings: p.settings,
    enabled: p.enabled,
    oneTimeUse: p.oneTimeUse ?? false,
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** A trust policy as the admin API returns it: undefined fields left out, times in ISO 8601. */
export function policyView(p: PolicyRecord): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    platform: p.platform,
    condition: p.condition,
    ...(p.actorCondition !== undefined ? { actorCondition: p.actorCondition } : {}),
    ...(p.subject !== undefined ? { subject: p.subject } : {}),
    audiences: p.audiences,
    scopes: p.scopes,
    ttlSeconds: p.ttlSeconds,
    claims: p.claims,
    priority: p.priority,
    enabled: p.enabled,
    mode: p.mode,
    ...(p.expiresAt !== undefined ? { expiresAt: p.expiresAt.toISOString() } : {}),
    tests: p.tests,
    ...(p.oneTimeUse !== undefined ? { oneTimeUse: p.oneTimeUse } : {}),
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
