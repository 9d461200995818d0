/** The subscription and resource group an Azure Resource Manager resource ID names. */
export interface ResourceScope {
  subscriptionId: string;
  resourceGroup: string;
}

const RESOURCE_ID = /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourcegroups\/([^/]+)\/providers\/[^/]+\/.+$/i;

/**
 * Reads `/subscriptions/{id}/resourceGroups/{group}/providers/…` (segment names in any case, as ARM
 * treats them). The subscription ID is lowercased; the group keeps the case the ID gives it.
 */
export function parseResourceId(resourceId: string): ResourceScope | undefined {
  const match = RESOURCE_ID.exec(resourceId);
  if (match === null) return undefined;
  const [, subscriptionId = '', resourceGroup = ''] = match;
  return { subscriptionId: subscriptionId.toLowerCase(), resourceGroup };
}
