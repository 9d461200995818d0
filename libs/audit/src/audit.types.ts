/** One `/token` request, granted or denied, as the exchange reports it. Never a raw token. */
export interface AuditRecord {
  time: Date;
  requestId: string;
  /**
   * Unique to one `/token` exchange in this process, never stored: pairs the denial of an exchange
   * with the denial the writer stored for its unconfirmed `issued` event. A request id cannot: it is
   * the client's `X-Request-Id` when it sent one, which other requests may share.
   */
  exchangeId?: string;
  grantType: string | null;
  outcome: 'issued' | 'denied';
  /** The OAuth error code sent to the client, when denied. */
  error?: string | null;
  /** The full reason, for operators; never a secret. */
  reason?: string | null;
  platform?: string | null;
  issuer?: string | null;
  subject?: string | null;
  policy?: string | null;
  audience?: string[] | null;
  scopes?: string[] | null;
  tokenId?: string | null;
  expiresAt?: Date | null;
  clientId?: string | null;
  clientIp?: string | null;
  userAgent?: string | null;
  subjectTokenSha256?: string | null;
  actorSubject?: string | null;
  /** The `sub` of the token issued; `subject` is the credential's. */
  issuedSubject?: string | null;
  /** For a refusal at verification: what could be read from the credential, not verified. */
  unverified?: UnverifiedCredential | null;
  /**
   * For an `issued` record under one-time use: the credential's replay key, recorded in the same
   * transaction as the event and kept until `expiresAt`. When the key is already there, the event
   * is stored as the denial `replayed` instead and the write rejects with {@link AuditReplayedError}.
   */
  replayGuard?: ReplayGuardClaim;
}

/**
 * What a credential refused at verification said of itself, read without verifying it: its `iss`,
 * `sub` and `jti`, each bounded in length. Never to be trusted; absent members were not readable.
 */
export interface UnverifiedCredential {
  issuer?: string | null;
  subject?: string | null;
  tokenId?: string | null;
}

/** A credential's one-time use, claimed with its audit event. */
export interface ReplayGuardClaim {
  key: string;
  expiresAt: Date;
}

/** An audit event as the admin API returns it. */
export interface AuditEventView {
  id: string;
  /** ISO 8601, UTC. */
  time: string;
  requestId: string;
  grantType: string | null;
  outcome: 'issued' | 'denied';
  error: string | null;
  reason: string | null;
  platform: string | null;
  issuer: string | null;
  subject: string | null;
  policy: string | null;
  audience: string[] | null;
  scopes: string[] | null;
  tokenId: string | null;
  expiresAt: string | null;
  clientId: string | null;
  clientIp: string | null;
  userAgent: string | null;
  subjectTokenSha256: string | null;
  actorSubject: string | null;
  issuedSubject: string | null;
  /** What a credential refused at verification said of itself, unverified; null when nothing was read. */
  unverified: { issuer: string | null; subject: string | null; tokenId: string | null } | null;
}

/** Filters of the audit listing; all optional, combined with AND. */
export interface AuditFilters {
  outcome?: 'issued' | 'denied';
  platform?: string;
  subject?: string;
  policy?: string;
  requestId?: string;
  /** The `jti` of the token issued. */
  tokenId?: string;
  /** Inclusive lower bound on `time`. */
  from?: Date;
  /** Exclusive upper bound on `time`. */
  to?: Date;
  /** Page size: default 50, at most 500. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** One page of audit events, newest first. */
export interface AuditPage {
  items: AuditEventView[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  nextCursor: string | null;
}
