import type { PresentedCredential } from '../credential/presented-credential';
import type { PlatformRegistration } from '../platform-config';
import { kindRoute } from '../routing/route-keys';
import { azureSettingsSchema } from './azure-settings.schema';
import { AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE } from './azure-token-types';
import { decodeAttestedDocument } from './attested/decode-attested-document';
import { parseTenantIssuer } from './entra-issuers';

/** The route of an Entra tenant: one platform per tenant. */
export function tenantRoute(tenantId: string): string {
  return kindRoute('azure', tenantId);
}

/** The route of attested documents of one subscription. */
export function attestedSubscriptionRoute(subscriptionId: string): string {
  return kindRoute('azure', `attested-document subscription ${subscriptionId}`);
}

/** The route of attested documents no subscription-pinned platform takes. */
export const ATTESTED_ANY_ROUTE = kindRoute('azure', 'attested-document any');

/**
 * An Azure platform answers to its tenant and, when it accepts attested documents, to each pinned
 * subscription, or to every subscription when it pins none.
 */
export function azureRouteKeys(platform: PlatformRegistration): string[] {
  const parsed = azureSettingsSchema.safeParse(platform.settings);
  if (!parsed.success) return [];
  const { tenantId, attestedDocuments } = parsed.data;
  if (attestedDocuments === undefined) return [tenantRoute(tenantId)];
  const attested = attestedDocuments.subscriptionIds?.map(attestedSubscriptionRoute) ?? [ATTESTED_ANY_ROUTE];
  return [tenantRoute(tenantId), ...attested];
}

/** The setting an Azure route comes from: the tenant, or the attested documents' subscriptions. */
export function azureRouteField(route: string): string {
  if (route === ATTESTED_ANY_ROUTE) return 'settings.attestedDocuments';
  if (route.startsWith(attestedSubscriptionRoute(''))) return 'settings.attestedDocuments.subscriptionIds';
  return 'settings.tenantId';
}

/**
 * Where a credential goes: an Entra token to the tenant its issuer names (when its `tid` agrees, so
 * that a token of another kind with a GUID in its issuer path is not taken), an attested document
 * to its subscription's platform, else to the one that takes any.
 *
 * @throws {VerificationError} `malformed` for an attested document that cannot be read.
 */
export function locateAzureCredential(credential: PresentedCredential): string[] {
  if (credential.type === AZURE_ATTESTED_DOCUMENT_TOKEN_TYPE) {
    const { subscriptionId } = decodeAttestedDocument(credential).claims;
    return typeof subscriptionId === 'string' && subscriptionId !== ''
      ? [attestedSubscriptionRoute(subscriptionId.toLowerCase()), ATTESTED_ANY_ROUTE]
      : [ATTESTED_ANY_ROUTE];
  }
  const claims = credential.jwt?.claims;
  const issuer = parseTenantIssuer(claims?.iss);
  const tid = claims?.tid;
  if (issuer === undefined || typeof tid !== 'string' || tid.toLowerCase() !== issuer.tenantId) return [];
  return [tenantRoute(issuer.tenantId)];
}
