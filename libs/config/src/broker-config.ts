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
  maxTtlSeconds: number;
  allowHttpIssuers: boolean;
  /** Seconds between a stop signal and closing the listener, while `/token` answers 503. */
  shutdownDrainSeconds: number;
}
