import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { CredentialStore } from '@fedbroker/admin-credentials';
import {
  AuditChainVerifier,
  AuditQuery,
  AuditWriter,
  AuditPartitionMaintenance,
  ReplayGuardPurge,
  replayKeyUsed,
  type AuditWriterObserver,
} from '@fedbroker/audit';
import { Catalog, CatalogApply, PlatformAdmin, PolicyAdmin } from '@fedbroker/catalog';
import type { BrokerConfig } from '@fedbroker/config';
import { TokenService } from '@fedbroker/exchange';
import { ChangeLog, ChangeQuery } from '@fedbroker/history';
import {
  AccessTokenMinter,
  SigningKeyStore,
  type RewrapReport,
  type RotateOptions,
  type SigningKeyInfo,
} from '@fedbroker/minting';
import {
  DatabaseProbe,
  openDatabase,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '@fedbroker/persistence';
import { AdapterRegistry, defaultAdapters, KeyResolver } from '@fedbroker/platforms';
import { RateLimiter } from '@fedbroker/rate-limit';
import type { BrokerLogger } from '../telemetry/broker-logger';
import { BrokerMetrics } from '../telemetry/broker-metrics';
import { embeddedKeyEncryptionKey } from './embedded-secrets';
import { SigningKeyLifecycle } from './signing-key-lifecycle';

/** Every long-lived part of a running broker, wired once at boot. */
export interface BrokerRuntime {
  readonly config: BrokerConfig;
  readonly logger: BrokerLogger;
  readonly metrics: BrokerMetrics;
  readonly dataSource: DataSource;
  /** Whether the database answers, within a second: for readiness. */
  readonly database: DatabaseProbe;
  readonly catalog: Catalog;
  readonly signingKeys: SigningKeyStore;
  readonly tokens: TokenService;
  readonly platforms: PlatformAdmin;
  readonly policies: PolicyAdmin;
  /** `POST /admin/v1/apply`: platforms and policies created or updated in one transaction. */
  readonly apply: CatalogApply;
  readonly auditEvents: AuditQuery;
  /** The history of admin writes. */
  readonly changes: ChangeQuery;
  readonly auditChain: AuditChainVerifier;
  /** The audit writer, for the refusals the HTTP layer makes before the pipeline (rate limits). */
  readonly audit: AuditWriter;
  /** `/token` requests a minute per client address and per platform (`FEDBROKER_RATE_LIMIT_*`). */
  readonly rateLimits: { readonly perClient: RateLimiter; readonly perPlatform: RateLimiter };
  readonly now: () => Date;
  /**
   * Publishes a new signing key that signs after `activateAfterSeconds` (default 0) and has every
   * replica reload its keys; refused with `MintingError('rotation_pending')` while a key is pending.
   * The rotation is recorded as `actor`'s.
   */
  rotateSigningKey(options: RotateOptions, actor: string): Promise<SigningKeyInfo>;
  /**
   * The scheduled check every replica runs periodically: rotates (once across replicas) when the
   * current key has signed `FEDBROKER_KEY_ROTATION_DAYS`; resolves with the new key, if any.
   */
  checkKeyRotation(): Promise<SigningKeyInfo | undefined>;
  /** Rewraps every stored signing key under `FEDBROKER_KEY_ENCRYPTION_KEY`, recorded as `actor`'s. */
  rewrapSigningKeys(actor: string): Promise<RewrapReport>;
  /** Admin credentials; without a configured one, {@link CredentialStore.ensureBootstrap} makes one. */
  readonly credentials: CredentialStore;
  /** Set once the broker begins to stop: `/token` then answers 503 and `/readyz` fails. */
  readonly stopping: boolean;
  /** Marks the broker as stopping: a stop signal arrived, or the HTTP server began to close. */
  beginStopping(): void;
  /** Stop accepting work, flush the audit writer, release the database. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger: BrokerLogger;
  now?: () => Date;
  fetch?: typeof fetch;
  /** A database started by the caller; `singleSession` for an embedded one (pool of one, no LISTEN). */
  database?: { url: string; singleSession: boolean };
}

/** Opens the database (embedded when no URL is configured), runs migrations and loads state into memory. */
export async function startRuntime(config: BrokerConfig, options: RuntimeOptions): Promise<BrokerRuntime> {
  const { logger } = options;
  const metrics = new BrokerMetrics();
  const now = options.now ?? (() => new Date());
  const embedded: EmbeddedPostgres | undefined =
    config.databaseUrl || options.database
      ? undefined
      : await startEmbeddedPostgres(join(config.dataDir, 'postgres'));
  const url = options.database?.url ?? config.databaseUrl ?? embedded?.url ?? '';
  const singleSession = options.database?.singleSession ?? embedded !== undefined;
  const dataSource = await openDatabase({ url, poolSize: singleSession ? 1 : 10 });

  const kek = config.keyEncryptionKey ?? (await embeddedKeyEncryptionKey(config.dataDir));
  const changeLog = new ChangeLog(now);

  const signingKeys = new SigningKeyStore(dataSource, {
    kek,
    previousKeks: config.previousKeyEncryptionKeys,
    alg: config.signingAlg,
    now,
  });
  await signingKeys.load();
  const adapters = new AdapterRegistry(
    defaultAdapters({
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(config.awsStsEndpoints ? { awsStsEndpoints: config.awsStsEndpoints } : {}),
    }),
  );
  const keys = new KeyResolver({
    now: () => now().getTime(),
    allowHttp: config.allowHttpIssuers,
    allowPrivateNetworks: config.allowPrivateKeySources,
    logger,
    onFetch: (fetch) => metrics.keyFetch(fetch),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const catalog = new Catalog(dataSource, {
    adapters,
    logger,
    onRemoteChange: () => signingKeys.load(),
    onReload: (reload) => metrics.catalogReload(reload),
  });
  await catalog.reload();
  await catalog.watch(singleSession ? undefined : url);
  const audit = new AuditWriter(dataSource, {
    logger,
    preparedStatement: !singleSession,
    pipeline: !singleSession,
    observer: auditObserver(metrics, logger),
  });
  metrics.readFrom({
    catalog: () => catalog.snapshot(),
    auditQueueDepth: () => audit.queueDepth,
    signingKeyActiveSince: () => (signingKeys.ready ? signingKeys.current().activatesAt : undefined),
    now,
  });
  const keyLifecycle = new SigningKeyLifecycle(signingKeys, config, changeLog, catalog, logger);
  await keyLifecycle.start();
  const replayGuardPurge = new ReplayGuardPurge(dataSource, { now, logger });
  replayGuardPurge.start();
  const auditPartitions = new AuditPartitionMaintenance(dataSource, {
    now,
    logger,
    ...(config.auditRetentionDays === undefined ? {} : { retentionDays: config.auditRetentionDays }),
  });
  await auditPartitions.start();

  const rateLimits = {
    perClient: new RateLimiter({ perMinute: config.rateLimitPerClient, now: () => now().getTime() }),
    perPlatform: new RateLimiter({ perMinute: config.rateLimitPerPlatform, now: () => now().getTime() }),
  };
  const tokens = new TokenService({
    catalog,
    adapters,
    keys,
    minter: new AccessTokenMinter(signingKeys),
    audit,
    issuer: config.issuer,
    maxTtlSeconds: config.maxTtlSeconds,
    allowHttp: config.allowHttpIssuers,
    now,
    platformRateLimit: rateLimits.perPlatform,
    replayKeys: { used: (key, at) => replayKeyUsed(dataSource, key, at) },
  });
  const platforms = new PlatformAdmin(dataSource, catalog, {
    adapters,
    defaultAudiences: [config.issuer, `${config.issuer}/token`],
    allowHttp: config.allowHttpIssuers,
    allowPrivateKeySources: config.allowPrivateKeySources,
    probeKeys: (platform) =>
      keys.probe(adapters.get(platform.kind).keySource(platform), { platform: platform.name }),
    changes: changeLog,
  });

  const policyRules = { adapters, changes: changeLog, maxTtlSeconds: config.maxTtlSeconds, now };

  let stopping = false;
  return {
    config,
    logger,
    metrics,
    dataSource,
    database: new DatabaseProbe(dataSource),
    catalog,
    signingKeys,
    tokens,
    platforms,
    policies: new PolicyAdmin(dataSource, catalog, policyRules),
    apply: new CatalogApply(dataSource, catalog, platforms, policyRules),
    auditEvents: new AuditQuery(dataSource),
    auditChain: new AuditChainVerifier(dataSource),
    audit,
    rateLimits,
    now,
    changes: new ChangeQuery(dataSource),
    credentials: new CredentialStore(dataSource, { configured: config.adminToken, changes: changeLog }),
    rotateSigningKey: (rotateOptions, actor) => keyLifecycle.rotate(rotateOptions, actor),
    checkKeyRotation: () => keyLifecycle.check(),
    rewrapSigningKeys: (actor) => keyLifecycle.rewrap(actor),
    get stopping() {
      return stopping;
    },
    beginStopping() {
      stopping = true;
    },
    async close() {
      keyLifecycle.stop();
      await replayGuardPurge.stop();
      await auditPartitions.stop();
      await audit.close();
      logger.info({ rows: audit.stats.rows }, 'audit writer flushed');
      await catalog.close();
      await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

/** Audit batches feed the metrics; a backlog is worth a warning, since requests are waiting on it. */
function auditObserver(metrics: BrokerMetrics, logger: BrokerLogger): AuditWriterObserver {
  return {
    ...metrics.audit,
    backlogged: (depth) =>
      logger.warn({ queueDepth: depth }, 'audit writer backlogged: the database is not keeping up'),
  };
}
