/** The issuer of Entra v1 tokens in the global cloud (`https://sts.windows.net/{tid}/`). */
export const PUBLIC_V1_ORIGIN = 'https://sts.windows.net';
/** The issuer of Entra v2 tokens and the authority host of the global cloud. */
export const PUBLIC_V2_ORIGIN = 'https://login.microsoftonline.com';
/** Microsoft's key set shared by every tenant of the global cloud. */
export const PUBLIC_COMMON_KEYS_URI = `${PUBLIC_V2_ORIGIN}/common/discovery/v2.0/keys`;

const TENANT_ISSUER =
  /^(https?:\/\/[^/?#@\s]+)\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/(v2\.0)?$/;

/** An issuer in one of Entra's two tenant forms. */
export interface TenantIssuer {
  /** `https://host` */
  origin: string;
  tenantId: string;
  /** 1: `{origin}/{tid}/`, 2: `{origin}/{tid}/v2.0`. */
  version: 1 | 2;
}

/** Reads an issuer of the form `https://host/{tid}/` (v1) or `https://host/{tid}/v2.0` (v2). */
export function parseTenantIssuer(issuer: unknown): TenantIssuer | undefined {
  if (typeof issuer !== 'string') return undefined;
  const match = TENANT_ISSUER.exec(issuer);
  if (match === null) return undefined;
  const [, origin = '', tenantId = '', v2] = match;
  return { origin, tenantId, version: v2 === undefined ? 1 : 2 };
}

/** Whether an issuer is one of the global cloud's, on the host that issues its form. */
export function isPublicCloudIssuer(issuer: TenantIssuer): boolean {
  return issuer.origin === (issuer.version === 1 ? PUBLIC_V1_ORIGIN : PUBLIC_V2_ORIGIN);
}

/**
 * The issuers accepted for a platform registered with `registered`: in the global cloud, both
 * forms of the tenant (which one a token carries depends on the resource's accepted token
 * version); elsewhere (a national cloud, a lab), the registered one only.
 */
export function tenantIssuers(registered: string): string[] {
  const parsed = parseTenantIssuer(registered);
  if (parsed === undefined || !isPublicCloudIssuer(parsed)) return [registered];
  return [`${PUBLIC_V1_ORIGIN}/${parsed.tenantId}/`, `${PUBLIC_V2_ORIGIN}/${parsed.tenantId}/v2.0`];
}

/**
 * Where the keys of a tenant issuer are when the platform names none: the global cloud's common
 * key set, or `/common/discovery/v2.0/keys` on a v2 issuer's host; none for a v1 issuer outside the
 * global cloud, whose authority host cannot be told from it.
 */
export function defaultKeysUri(registered: string): string | undefined {
  const parsed = parseTenantIssuer(registered);
  if (parsed === undefined) return undefined;
  if (isPublicCloudIssuer(parsed)) return PUBLIC_COMMON_KEYS_URI;
  return parsed.version === 2 ? `${parsed.origin}/common/discovery/v2.0/keys` : undefined;
}
