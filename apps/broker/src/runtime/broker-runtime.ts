import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { AuditQuery, AuditWriter } from '@fedbroker/audit';
import { Catalog, PlatformAdmin, PolicyAdmin } from '@fedbroker/catalog';
import type { BrokerConfig } from '@fedbroker/config';
import { TokenService } from '@fedbroker/exchange';
import {
  AccessTokenMinter,
  SigningKeyStore,
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
import { AdminCredentials } from './admin-credentials';
import { embeddedKeyEncryptionKey, generateAdminCredential } from './embedded-secrets';

export interface RuntimeLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Every long-lived part of a running broker, wired once at boot. */
export interface BrokerRuntime {
  readonly config: BrokerConfig;
  readonly dataSource: DataSource;
  /** Whether the database answers, within a second: for readiness. */
  readonly database: DatabaseProbe;
  readonly catalog: Catalog;
  readonly signingKeys: SigningKeyStore;
  readonly tokens: TokenService;
  readonly platforms: PlatformAdmin;
  readonly policies: PolicyAdmin;
  readonly auditEvents: AuditQuery;
  /**
   * Publishes a new signing key that signs after `activateAfterSeconds` (default 0) and has every
   * replica reload its keys; refused with `MintingError('rotation_pending')` while a key is pending.
   */
  rotateSigningKey(options?: RotateOptions): Promise<SigningKeyInfo>;
  readonly adminCredentials: AdminCredentials;
  /** Set once the broker begins to stop: `/token` then answers 503 and `/readyz` fails. */
  readonly stopping: boolean;
  /** Marks the broker as stopping: a stop signal arrived, or the HTTP server began to close. */
  beginStopping(): void;
  /** Stop accepting work, flush the audit writer, release the database. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger: RuntimeLogger;
  now?: () => Date;
  fetch?: typeof fetch;
  /** A database started by the caller; `singleSession` for an embedded one (pool of one, no LISTEN). */
  database?: { url: string; singleSession: boolean };
}

/** Opens the database (embedded when no URL is configured), runs migrations and loads state into memory. */
export async function startRuntime(config: BrokerConfig, options: RuntimeOptions): Promise<BrokerRuntime> {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  const embedded: EmbeddedPostgres | undefined =
    config.databaseUrl || options.database
      ? undefined
      : await startEmbeddedPostgres(join(config.dataDir, 'postgres'));
  const url = options.database?.url ?? config.databaseUrl ?? embedded?.url ?? '';
  const singleSession = options.database?.singleSession ?? embedded !== undefined;
  const dataSource = await openDatabase({ url, poolSize: singleSession ? 1 : 10 });

  const kek = config.keyEncryptionKey ?? (await embeddedKeyEncryptionKey(config.dataDir));
  const { credentials, generated } = await AdminCredentials.load(
    dataSource,
    config.adminToken,
    generateAdminCredential,
  );
  if (generated) {
    logger.log(`generated the admin credential (shown once, stored hashed): ${generated}`);
  }

  const signingKeys = new SigningKeyStore(dataSource, { kek, now });
  await signingKeys.load();
  const adapters = new AdapterRegistry(defaultAdapters);
  const keys = new KeyResolver({
    now: () => now().getTime(),
    allowHttp: config.allowHttpIssuers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const catalog = new Catalog(dataSource, { logger, onRemoteChange: () => signingKeys.load() });
  await catalog.reload();
  await catalog.watch(singleSession ? undefined : url);
  const audit = new AuditWriter(dataSource, { logger, preparedStatement: !singleSession });

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
  });
  const platforms = new PlatformAdmin(dataSource, catalog, {
    adapters,
    defaultAudiences: [config.issuer, `${config.issuer}/token`],
    allowHttp: config.allowHttpIssuers,
    probeKeys: (platform) => keys.probe(platform),
    forgetKeys: (id) => keys.forget(id),
  });

  let stopping = false;
  return {
    config,
    dataSource,
    database: new DatabaseProbe(dataSource),
    catalog,
    signingKeys,
    tokens,
    platforms,
    policies: new PolicyAdmin(dataSource, catalog),
    auditEvents: new AuditQuery(dataSource),
    adminCredentials: credentials,
    async rotateSigningKey(rotateOptions) {
      const key = await signingKeys.rotate(config.maxTtlSeconds, rotateOptions);
      await catalog.announce();
      return key;
    },
    get stopping() {
      return stopping;
    },
    beginStopping() {
      stopping = true;
    },
    async close() {
      await audit.close();
      await catalog.close();
      await dataSource.destroy();
      await embedded?.stop();
    },
  };
}
