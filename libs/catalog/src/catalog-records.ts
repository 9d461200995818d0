import type { PlatformEntity, PolicyEntity } from '@fedbroker/persistence';
import type { PlatformConfig, PlatformKind } from '@fedbroker/platforms';
import type { PolicyDefinition, PolicyMode, PolicyTestCase } from '@fedbroker/policy';

/** A platform as the admin API shows it. */
export interface PlatformRecord extends PlatformConfig {
  createdAt: Date;
  updatedAt: Date;
}

/** A trust policy as the admin API shows it; `platform` is the platform's name. */
export interface PolicyRecord extends PolicyDefinition {
  id: string;
  platform: string;
  mode: PolicyMode;
  tests: PolicyTestCase[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export function toPlatformRecord(row: PlatformEntity): PlatformRecord {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as PlatformKind,
    issuer: row.issuer,
    jwks: (row.jwks as PlatformConfig['jwks']) ?? undefined,
    jwksUri: row.jwksUri ?? undefined,
    caBundle: row.caBundle ?? undefined,
    audiences: row.audiences,
    clockSkewSeconds: row.clockSkewSeconds,
    settings: row.settings,
    enabled: row.enabled,
    oneTimeUse: row.oneTimeUse,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toPolicyRecord(row: PolicyEntity, platformName: string): PolicyRecord {
  return {
    id: row.id,
    name: row.name,
    platform: platformName,
    condition: row.condition,
    actorCondition: row.actorCondition ?? undefined,
    subject: row.subject ?? undefined,
    claims: row.claims,
    audiences: row.audiences,
    scopes: row.scopes,
    ttlSeconds: row.ttlSeconds,
    priority: row.priority,
    enabled: row.enabled,
    mode: row.mode,
    expiresAt: row.expiresAt ?? undefined,
    tests: row.tests as unknown as PolicyTestCase[],
    oneTimeUse: row.oneTimeUse ?? undefined,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
