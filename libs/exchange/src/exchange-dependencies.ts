import type { AuditRecord } from '@fedbroker/audit';
import type { CatalogSnapshot } from '@fedbroker/catalog';
import type { MintInput, MintedToken } from '@fedbroker/minting';
import type { AdapterRegistry, KeyResolver } from '@fedbroker/platforms';

/** What the token exchange needs from the rest of the broker. */
export interface ExchangeDependencies {
  catalog: { snapshot(): CatalogSnapshot };
  adapters: AdapterRegistry;
  keys: KeyResolver;
  minter: { mint(input: MintInput): Promise<MintedToken> };
  audit: { write(record: AuditRecord): Promise<string> };
  /** The broker's own issuer: `iss` of every token it mints. */
  issuer: string;
  maxTtlSeconds: number;
  allowHttp: boolean;
  now: () => Date;
  /** Requests per platform, counted once a credential is verified (forged ones spend nothing). */
  platformRateLimit?: { take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } };
}

/** Who is asking, for the audit event. */
export interface RequestContext {
  requestId: string;
  clientIp: string | null;
  userAgent: string | null;
}
