import { X509Certificate } from 'node:crypto';
import { z } from 'zod';

/**
 * Entra access tokens from managed identities live 24 h 5 min (86,700 s) and up to a day more when
 * the resource takes longer-lived tokens; 25 h keeps the genuine ones and refuses longer ones.
 */
export const DEFAULT_AZURE_MAX_TOKEN_LIFETIME_SECONDS = 25 * 60 * 60;

/** How old an attested document (its `timeStamp.createdOn` and its nonce) may be by default. */
export const DEFAULT_ATTESTED_DOCUMENT_MAX_AGE_SECONDS = 300;

/** The name IMDS signs attested documents with in the global Azure cloud (or a subdomain of it). */
export const DEFAULT_ATTESTED_SIGNER_NAMES = ['metadata.azure.com'];

const LOWERCASE_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const ONE_PEM_CERTIFICATE = /^\s*-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----\s*$/;

function isCertificate(pem: string): boolean {
  if (!ONE_PEM_CERTIFICATE.test(pem)) return false;
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

const guid = (what: string) => z.string().regex(LOWERCASE_GUID, `must be a lowercase GUID (${what})`);
const certificate = z.string().max(16_384).refine(isCertificate, 'must be one PEM certificate');
const distinct = <T>(items: T[]) => new Set(items).size === items.length;

/** `settings.attestedDocuments`: accept IMDS attested documents, signed by certificates that chain here. */
export const attestedDocumentSettingsSchema = z.strictObject({
  /** Roots, pinned intermediates or pinned signer certificates: a signer must chain to one. */
  trustAnchors: z.array(certificate).min(1).max(20),
  /** CA certificates that may complete a chain (IMDS embeds only the signer); trusted only through an anchor. */
  intermediates: z.array(certificate).max(20).default([]),
  /** DNS names the signer certificate must carry, itself or as a subdomain. */
  signerNames: z
    .array(z.string().regex(DNS_NAME, 'must be a lowercase DNS name'))
    .min(1)
    .max(10)
    .default(DEFAULT_ATTESTED_SIGNER_NAMES),
  /** The subscriptions whose VMs this platform serves; unset: any document without a more specific platform. */
  subscriptionIds: z
    .array(guid('a subscription ID'))
    .min(1)
    .max(100)
    .refine(distinct, 'must not repeat a value')
    .optional(),
  /** Oldest accepted document and nonce, in seconds. */
  maxAgeSeconds: z.number().int().min(10).max(3600).default(DEFAULT_ATTESTED_DOCUMENT_MAX_AGE_SECONDS),
});

/** `settings` of an Azure platform. */
export const azureSettingsSchema = z.strictObject({
  /** The Entra tenant (directory) ID every accepted token names in `tid` and its issuer. */
  tenantId: guid('the directory ID'),
  /** Cap on `exp - iat`; only lowers the default of 25 h. */
  maxTokenLifetimeSeconds: z.number().int().min(60).max(DEFAULT_AZURE_MAX_TOKEN_LIFETIME_SECONDS).optional(),
  attestedDocuments: attestedDocumentSettingsSchema.optional(),
});

/** Parsed `settings` of an Azure platform. */
export type AzureSettings = z.infer<typeof azureSettingsSchema>;

/** Parsed `settings.attestedDocuments`. */
export type AttestedDocumentSettings = z.infer<typeof attestedDocumentSettingsSchema>;
