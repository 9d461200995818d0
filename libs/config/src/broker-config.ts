import type { SigningAlgorithm } from './signing-algorithm';
import type { LogSettings } from './log-settings';
import type { TracingSettings } from './tracing-settings';

/** The broker's configuration, validated once at boot from the environment. */
export interface BrokerConfig {
  port: number;
  host: string;
  /** Unset: embedded PostgreSQL in {@link dataDir}. */
  databaseUrl: string | undefined;
  dataDir: string;
  issuer: string;
  adminToken: string | undefined;
  keyEncryptionKey: Buffer | undefined;
  /** Earlier key-encryption keys that may still unwrap stored signing keys until they are rewrapped. */
  previousKeyEncryptionKeys: Buffer[];
  /** Algorithm of newly generated signing keys. */
  signingAlg: SigningAlgorithm;
  /** Days the current signing key signs before a scheduled rotation; unset: on demand only. */
  keyRotationDays: number | undefined;
  /** Seconds a scheduled (or algorithm-switching) rotation publishes the new key before it signs. */
  keyRotationLeadSeconds: number;
  maxTtlSeconds: number;
  /** Days audit events are kept (whole day partitions are dropped past them); unset: forever. */
  auditRetentionDays: number | undefined;
  allowHttpIssuers: boolean;
  /** A separate listener for the operator endpoints (`/admin`, …); unset: they share the main one. */
  adminListener: { port: number; host: string } | undefined;
  /** STS origins signed AWS requests may be forwarded to (`{region}`: any region); unset: AWS's own. */
  awsStsEndpoints: string[] | undefined;
  /** Key sources on private networks are accepted; link-local and metadata addresses never are. */
  allowPrivateKeySources: boolean;
  /** Addresses and CIDR ranges whose `X-Forwarded-For` is believed; empty: none. */
  trustedProxies: readonly string[];
  /** `/token` requests a minute from one client address (an IPv6 /64); 0: no limit. */
  rateLimitPerClient: number;
  /** `/token` requests a minute for one platform; 0: no limit. */
  rateLimitPerPlatform: number;
  log: LogSettings;
  tracing: TracingSettings;
  /** Seconds between a stop signal and closing the listener, while `/token` answers 503. */
  shutdownDrainSeconds: number;
}
