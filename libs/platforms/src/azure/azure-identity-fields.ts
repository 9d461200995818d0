import type { IdentityFields } from '../identity-fields';
import type { IdentityPins } from '../identity-pins';
import type { PlatformRegistration } from '../platform-config';
import { azureSettingsSchema } from './azure-settings.schema';

/**
 * What an Azure identity adds to the common fields (API.md, plus `vmId`). An Entra token sets
 * `tenantId` and `objectId` (the immutable pair to pin), `appId`, and for a managed identity its
 * resource ID and the subscription and resource group read from it; an attested document sets
 * `vmId` and, when it carries one, `subscriptionId`.
 */
export const AZURE_IDENTITY_FIELDS: IdentityFields = {
  tenantId: 'string',
  objectId: 'string',
  appId: 'string',
  managedIdentityResourceId: 'string',
  subscriptionId: 'string',
  resourceGroup: 'string',
  vmId: 'string',
};

/**
 * An Entra token is only ever verified against the platform of its tenant, so a platform is one
 * tenant for tokens. Attested documents carry no tenant, and a platform that pins no subscription
 * takes those of every Azure VM (Microsoft signs them all): its policies must pin a tenant field,
 * which a document either matches (`subscriptionId`, `vmId`) or lacks (`tenantId`, `objectId`).
 */
export const AZURE_IDENTITY_PINS: IdentityPins = {
  immutableFields: ['tenantId', 'objectId', 'appId', 'subscriptionId', 'vmId', 'subject'],
  mutableNames: ['managedIdentityResourceId', 'resourceGroup'],
  tenantFields: ['tenantId', 'objectId', 'subscriptionId', 'vmId'],
  sharedIssuer: attestedDocumentsOfAnySubscription,
};

function attestedDocumentsOfAnySubscription(platform: PlatformRegistration): string | undefined {
  const settings = azureSettingsSchema.safeParse(platform.settings);
  const documents = settings.success ? settings.data.attestedDocuments : undefined;
  return documents !== undefined && documents.subscriptionIds === undefined
    ? 'takes the attested documents of every Azure subscription (settings.attestedDocuments names no subscriptionIds)'
    : undefined;
}
