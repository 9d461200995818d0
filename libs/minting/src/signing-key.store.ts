import type { JWK } from 'jose';
import type { DataSource, EntityManager } from 'typeorm';
import { SigningKeyEntity } from '@fedbroker/persistence';
import { generateSigningKey, type GeneratedSigningKey } from './generate-signing-key';
import { importPrivateKey } from './import-private-key';
import { unwrapPrivateKey, wrapPrivateKey } from './key-wrap';
import { MintingError } from './minting.error';
import type { CurrentSigningKey, PublicJwks, SigningAlgorithm, SigningKeyInfo } from './signing-key.types';

/** `pg_advisory_xact_lock` key serializing key creation and rotation across replicas. */
const SIGNING_KEYS_LOCK = 7_310_584_116_017_353;

interface PublishedKey {
  jwk: JWK;
  publishUntil: Date | null;
}

interface LoadedKeys {
  current: CurrentSigningKey;
  published: PublishedKey[];
}

/** Options of {@link SigningKeyStore}. */
export interface SigningKeyStoreOptions {
  /** The 32-byte key-encryption key (`FEDBROKER_KEY_ENCRYPTION_KEY`) wrapping private keys at rest. */
  kek: Buffer;
  /** The clock; defaults to the system clock. */
  now?: () => Date;
  /** Algorithm of keys this store generates; defaults to ES256. */
  alg?: SigningAlgorithm;
}

/**
 * The broker's signing keys: kept in PostgreSQL (private halves wrapped under the key-encryption
 * key), held in memory for the hot path. Replicas agree on the current key through the database.
 */
export class SigningKeyStore {
  private readonly kek: Buffer;
  private readonly now: () => Date;
  private readonly alg: SigningAlgorithm;
  private loaded: LoadedKeys | null = null;

  constructor(
    private readonly dataSource: DataSource,
    opts: SigningKeyStoreOptions,
  ) {
    if (opts.kek.length !== 32) {
      throw new MintingError('invalid_kek', 'FEDBROKER_KEY_ENCRYPTION_KEY must be 32 bytes');
    }
    this.kek = Buffer.from(opts.kek);
    this.now = opts.now ?? (() => new Date());
    this.alg = opts.alg ?? 'ES256';
  }

  /** Whether keys are loaded and {@link current} can sign. */
  get ready(): boolean {
    return this.loaded !== null;
  }

  /**
   * Loads (or reloads) the keys from the database into memory. On first start, creates the first
   * key; concurrent starts of several replicas create exactly one. Throws
   * `MintingError('kek_mismatch')` when the key-encryption key cannot unwrap the current key.
   */
  async load(): Promise<void> {
    let rows = await this.readKeys(this.dataSource.manager);
    if (!activeKey(rows)) {
      rows = await this.dataSource.transaction(async (manager) => {
        await lockSigningKeys(manager);
        const again = await this.readKeys(manager);
        if (activeKey(again)) return again;
        await this.insertActive(manager, await generateSigningKey(this.alg), this.now());
        return this.readKeys(manager);
      });
    }
    this.loaded = await this.toLoadedKeys(rows);
  }

  /** The key that signs new tokens, from memory. */
  current(): CurrentSigningKey {
    return this.requireLoaded().current;
  }

  /** The public keys to publish: the current key and retired keys still within `publishUntil`. */
  jwks(): PublicJwks {
    const now = this.now().getTime();
    return {
      keys: this.requireLoaded()
        .published.filter((k) => k.publishUntil === null || k.publishUntil.getTime() > now)
        .map((k) => ({ ...k.jwk })),
    };
  }

  /** Every key in the database, newest first, without private material. */
  async list(): Promise<SigningKeyInfo[]> {
    const rows = await this.dataSource.getRepository(SigningKeyEntity).find({ order: { createdAt: 'DESC' } });
    return rows.map(toInfo);
  }

  /**
   * Makes a new key current and retires the previous one, which stays published for
   * `maxTokenTtlSeconds` so every token it signed still verifies. Reloads memory afterwards.
   */
  async rotate(maxTokenTtlSeconds: number): Promise<SigningKeyInfo> {
    if (!Number.isInteger(maxTokenTtlSeconds) || maxTokenTtlSeconds < 0) {
      throw new MintingError('invalid_rotation', 'maxTokenTtlSeconds must be a non-negative integer');
    }
    const key = await generateSigningKey(this.alg);
    const now = this.now();
    await this.dataSource.transaction(async (manager) => {
      await lockSigningKeys(manager);
      await manager
        .createQueryBuilder()
        .update(SigningKeyEntity)
        .set({ retiredAt: now, publishUntil: new Date(now.getTime() + maxTokenTtlSeconds * 1000) })
        .where('retired_at IS NULL')
        .execute();
      await this.insertActive(manager, key, now);
    });
    await this.load();
    const created = await this.dataSource.getRepository(SigningKeyEntity).findOneByOrFail({ kid: key.kid });
    return toInfo(created);
  }

  private requireLoaded(): LoadedKeys {
    if (!this.loaded) throw new MintingError('keys_not_loaded', 'Signing keys are not loaded yet');
    return this.loaded;
  }

  private readKeys(manager: EntityManager): Promise<SigningKeyEntity[]> {
    return manager
      .getRepository(SigningKeyEntity)
      .createQueryBuilder('k')
      .addSelect('k.privateKeyWrapped')
      .orderBy('k.created_at', 'DESC')
      .getMany();
  }

  private async insertActive(manager: EntityManager, key: GeneratedSigningKey, now: Date): Promise<void> {
    await manager.getRepository(SigningKeyEntity).insert({
      kid: key.kid,
      alg: key.alg,
      publicJwk: { ...key.publicJwk },
      privateKeyWrapped: wrapPrivateKey(this.kek, key.pkcs8Der, key.kid),
      createdAt: now,
      activatedAt: now,
      retiredAt: null,
      publishUntil: null,
    });
  }

  private async toLoadedKeys(rows: SigningKeyEntity[]): Promise<LoadedKeys> {
    const active = activeKey(rows);
    if (!active) throw new MintingError('keys_not_loaded', 'No active signing key in the database');
    const pkcs8Der = unwrapPrivateKey(this.kek, active.privateKeyWrapped, active.kid);
    const privateKey = await importPrivateKey(active.alg, pkcs8Der);
    pkcs8Der.fill(0);
    const now = this.now().getTime();
    const published = rows
      .filter((k) => k === active || (k.publishUntil !== null && k.publishUntil.getTime() > now))
      .map((k) => ({
        jwk: Object.freeze<JWK>({ ...k.publicJwk, kid: k.kid, alg: k.alg }),
        publishUntil: k === active ? null : k.publishUntil,
      }));
    return { current: { kid: active.kid, alg: active.alg, privateKey }, published };
  }
}

function activeKey(rows: SigningKeyEntity[]): SigningKeyEntity | undefined {
  return rows
    .filter((k) => k.retiredAt === null && k.activatedAt !== null)
    .sort((a, b) => (b.activatedAt?.getTime() ?? 0) - (a.activatedAt?.getTime() ?? 0))[0];
}

async function lockSigningKeys(manager: EntityManager): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEYS_LOCK]);
}

function toInfo(row: SigningKeyEntity): SigningKeyInfo {
  return {
    kid: row.kid,
    alg: row.alg,
    createdAt: row.createdAt,
    activatedAt: row.activatedAt,
    retiredAt: row.retiredAt,
    publishUntil: row.publishUntil,
    status: row.retiredAt === null && row.activatedAt !== null ? 'active' : 'retired',
  };
}
