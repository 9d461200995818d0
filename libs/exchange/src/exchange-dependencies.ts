import type { AuditRecord } from '@fedbroker/audit';
import type { CatalogSnapshot } from '@fedbroker/catalog';
import type { MintInput, SigningToken } from '@fedbroker/minting';
import type { AdapterRegistry, KeyResolver } from '@fedbroker/platforms';
import type { ExchangeErrorCode } from './exchange.error';
import type { GrantKind } from './grants';

/** What the token exchange needs from the rest of the broker. */
export interface ExchangeDependencies {
  catalog: { snapshot(): CatalogSnapshot };
  adapters: AdapterRegistry;
  keys: KeyResolver;
  minter: { start(input: MintInput): SigningToken };
  audit: { write(record: AuditRecord, ready?: Promise<unknown>): Promise<string> };
  /** The broker's own issuer: `iss` of every token it mints. */
  issuer: string;
  maxTtlSeconds: number;
  allowHttp: boolean;
  now: () => Date;
  /** The one-time-use keys already claimed, read by explain (`/token` claims them with its audit event). */
  replayKeys?: { used(key: string, now: Date): Promise<boolean> };
  /** Requests per platform, counted once a credential is verified (forged ones spend nothing). */
  platformRateLimit?: { take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } };
}

/** Who is asking, for the audit event. */
export interface RequestContext {
  requestId: string;
  clientIp: string | null;
  userAgent: string | null;
  /**
   * The scheme of the request's `Authorization` header when it has one (`''` when it names none);
   * never its credentials. The broker supports no client authentication by that header.
   */
  authorizationScheme?: string;
  /** Told once how the request ended, after its audit event: for access logs and metrics. */
  onSettled?: (outcome: TokenOutcome) => void;
}

/** How a `/token` request ended, in bounded terms: no credential, no reason text. */
export interface TokenOutcome {
  /** The grant the request named, when it is one of the three. */
  grant: GrantKind | undefined;
  outcome: 'issued' | 'denied';
  /** Why it was denied. */
  error: ExchangeErrorCode | undefined;
  /** The registered platform the credential located, when it located one. */
  platform: string | undefined;
}
