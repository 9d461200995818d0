import type { IdentityFields } from '../identity-fields';

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
