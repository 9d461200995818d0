import type { JWTPayload } from 'jose';
import { invalidClaim, missingClaim } from '../errors/claim-errors';
import type { TenantIssuer } from './entra-issuers';
import { parseResourceId } from './parse-resource-id';

/** The workload facts an Entra access token carries, normalized. */
export interface EntraClaims {
  tenantId: string;
  objectId: string;
  appId?: string;
  managedIdentityResourceId?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  /** `uti`: Entra's per-token identifier, its equivalent of `jti`. */
  tokenId?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A string claim; absent, `null` and `""` all leave it absent. */
function optionalString(claims: JWTPayload, name: string): string | undefined {
  const value = claims[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw invalidClaim(name);
  }
  return value;
}

function requiredGuid(claims: JWTPayload, name: string): string {
  const value = optionalString(claims, name);
  if (value === undefined) throw missingClaim(name);
  if (!GUID.test(value)) throw invalidClaim(name, `the "${name}" claim is not a GUID`);
  return value.toLowerCase();
}

function present<K extends string>(field: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [field]: value } as Record<K, string>);
}

function readManagedIdentity(claims: JWTPayload): Partial<EntraClaims> {
  const resourceId = optionalString(claims, 'xms_mirid');
  if (resourceId === undefined) return {};
  const scope = parseResourceId(resourceId);
  if (scope === undefined) {
    throw invalidClaim('xms_mirid', 'the "xms_mirid" claim is not an Azure resource ID');
  }
  return { managedIdentityResourceId: resourceId, ...scope };
}

/**
 * Reads an Entra access token's claims: `tid` must be the platform's tenant (the issuer already
 * is), `ver` when present must match the issuer's form, `sub` and `oid` are required, `appid` (v1)
 * or `azp` (v2) names the client, and a managed identity's `xms_mirid` gives its resource ID,
 * subscription and resource group. GUIDs are lowercased.
 *
 * @throws {VerificationError} `missing_claim` or `claim_invalid`.
 */
export function readEntraClaims(claims: JWTPayload, tenantId: string, issuer: TenantIssuer): EntraClaims {
  if (requiredGuid(claims, 'tid') !== tenantId) {
    throw invalidClaim('tid', `the "tid" claim is not the platform's tenant ${tenantId}`);
  }
  const version = optionalString(claims, 'ver');
  if (version !== undefined && version !== (issuer.version === 1 ? '1.0' : '2.0')) {
    throw invalidClaim('ver', 'the "ver" claim does not match the issuer');
  }
  if (optionalString(claims, 'sub') === undefined) {
    throw missingClaim('sub');
  }
  return {
    tenantId,
    objectId: requiredGuid(claims, 'oid'),
    ...present('appId', (optionalString(claims, 'appid') ?? optionalString(claims, 'azp'))?.toLowerCase()),
    ...readManagedIdentity(claims),
    ...present('tokenId', optionalString(claims, 'uti')),
  };
}
