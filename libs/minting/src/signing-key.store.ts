import type { JWK } from 'jose';
import { MoreThan, type DataSource, type EntityManager } from 'typeorm';
import { SigningKeyEntity } from '@fedbroker/persistence';
import { generateSigningKey, type GeneratedSigningKey } from './generate-signing-key';
import { importPrivateKey } from './import-private-key';
import { unwrapPrivateKey, wrapPrivateKey } from './key-wrap';
import { MintingError } from './minting.error';
import { signingKeyStatus, SigningSchedule, type ScheduledKey } from './signing-key.schedule';
import type {
  CurrentSigningKey,
  PublicJwks,
  RotateOptions,
  SigningAlgorithm,
  SigningKeyInfo,
} from './signing-key.types';

/** `pg_advisory_xact_lock` key serializing key creation and rotation across replicas. */
const SIGNING_KEYS_LOCK = 7_310_584_116_017_353;

interface PublishedKey {
  jwk: JWK;
  publishUntil: Date | null;
}

interface LoadedKeys {
  schedule: SigningSchedule;
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
    if (signingKeys(rows, this.now()).length === 0) {
      rows = await this.dataSource.transaction(async (manager) => {
        await lockSigningKeys(manager);
        const again = await this.readKeys(manager);
        if (signingKeys(again, this.now()).length > 0) return again;
        const now = this.now();
        await this.insertKey(manager, await generateSigningKey(this.alg), now, now);
        return this.readKeys(manager);
      });
    }
    this.loaded = await this.toLoadedKeys(rows);
  }

  /**
   * The key that signs new tokens, from memory: the newest whose activation time has come by the
   * injected clock, so a pending key takes over without a reload.
   */
  current(): CurrentSigningKey {
    return this.requireLoaded().schedule.at(this.now().getTime());
  }

  /**
   * The public keys to publish: pending keys, the current key, and retired keys still within
   * `publishUntil`.
   */
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
    const now = this.now();
    return rows.map((row) => toInfo(row, now));
  }

  /**
   * Publishes a new key now and makes it sign `activateAfterSeconds` later; until then the current
   * key keeps signing. The current key retires at that activation time and stays published for
   * `maxTokenTtlSeconds` more, so every token it signed still verifies. Reloads memory afterwards.
   *
   * A rotation while a key is still pending throws `MintingError('rotation_pending')` rather than
   * replacing it: the pending key may already sit in resource servers' `/jwks` caches, and
   * replacing it would silently restart the lead time (AWS KMS likewise refuses an on-demand
   * rotation while one is in progress). Rotate again once it is active.
   *
   * `within` runs inside the rotation's transaction (to record who rotated, say).
   */
  async rotate(
    maxTokenTtlSeconds: number,
    options: RotateOptions = {},
    within?: (manager: EntityManager, key: { kid: string; alg: string; activatesAt: Date }) => Promise<void>,
  ): Promise<SigningKeyInfo> {
    const lead = options.activateAfterSeconds ?? 0;
    if (!Number.isInteger(maxTokenTtlSeconds) || maxTokenTtlSeconds < 0) {
      throw new MintingError('invalid_rotation', 'maxTokenTtlSeconds must be a non-negative integer');
    }
    if (!Number.isInteger(lead) || lead < 0) {
      throw new MintingError('invalid_rotation', 'activateAfterSeconds must be a non-negative integer');
    }
    const key = await generateSigningKey(this.alg);
    const now = this.now();
    const activatesAt = new Date(now.getTime() + lead * 1000);
    await this.dataSource.transaction(async (manager) => {
      await lockSigningKeys(manager);
      const pending = await manager.getRepository(SigningKeyEntity).findOneBy({ activatedAt: MoreThan(now) });
      if (pending?.activatedAt) {
        throw new MintingError(
          'rotation_pending',
          `signing key ${pending.kid} activates at ${pending.activatedAt.toISOString()}; rotate again after that`,
          { kid: pending.kid },
        );
      }
      await manager
        .createQueryBuilder()
        .update(SigningKeyEntity)
        .set({
          retiredAt: activatesAt,
          publishUntil: new Date(activatesAt.getTime() + maxTokenTtlSeconds * 1000),
        })
        .where('retired_at IS NULL')
        .execute();
      await this.insertKey(manager, key, now, activatesAt);
      await within?.(manager, { kid: key.kid, alg: key.alg, activatesAt });
    });
    await this.load();
    const created = await this.dataSource.getRepository(SigningKeyEntity).findOneByOrFail({ kid: key.kid });
    return toInfo(created, this.now());
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

  private async insertKey(
    manager: EntityManager,
    key: GeneratedSigningKey,
    createdAt: Date,
    activatedAt: Date,
  ): Promise<void> {
    await manager.getRepository(SigningKeyEntity).insert({
      kid: key.kid,
      alg: key.alg,
      publicJwk: { ...key.publicJwk },
      privateKeyWrapped: wrapPrivateKey(this.kek, key.pkcs8Der, key.kid),
      createdAt,
      activatedAt,
      retiredAt: null,
      publishUntil: null,
    });
  }

  private async toLoadedKeys(rows: SigningKeyEntity[]): Promise<LoadedKeys> {
    const now = this.now();
    const signing = signingKeys(rows, now);
    // A replica whose clock lags the one that created the first key sees it as not yet active.
    const current = signing.findLast((k) => signingKeyStatus(k, now) === 'active') ?? signing[0];
    if (!current) throw new MintingError('keys_not_loaded', 'No active signing key in the database');
    const pending: ScheduledKey[] = [];
    for (const row of signing.filter((k) => k !== current && signingKeyStatus(k, now) === 'pending')) {
      pending.push({ activatesAt: row.activatedAt?.getTime() ?? 0, key: await this.importKey(row) });
    }
    const schedule = new SigningSchedule(await this.importKey(current), pending);
    const published = rows
      .filter((k) => k.publishUntil === null || k.publishUntil.getTime() > now.getTime())
      .map((k) => ({
        jwk: Object.freeze<JWK>({ ...k.publicJwk, kid: k.kid, alg: k.alg }),
        publishUntil: k.publishUntil,
      }));
    return { schedule, published };
  }

  private async importKey(row: SigningKeyEntity): Promise<CurrentSigningKey> {
    const pkcs8Der = unwrapPrivateKey(this.kek, row.privateKeyWrapped, row.kid);
    const privateKey = await importPrivateKey(row.alg, pkcs8Der);
    pkcs8Der.fill(0);
    return { kid: row.kid, alg: row.alg, privateKey, activatesAt: row.activatedAt ?? row.createdAt };
  }
}

/** Keys that sign now or will, soonest activation first. */
function signingKeys(rows: SigningKeyEntity[], now: Date): SigningKeyEntity[] {
  return rows
    .filter((k) => signingKeyStatus(k, now) !== 'retired')
    .sort((a, b) => (a.activatedAt?.getTime() ?? 0) - (b.activatedAt?.getTime() ?? 0));
}

async function lockSigningKeys(manager: EntityManager): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEYS_LOCK]);
}

function toInfo(row: SigningKeyEntity, now: Date): SigningKeyInfo {
  return {
    kid: row.kid,
    alg: row.alg,
    createdAt: row.createdAt,
    activatedAt: row.activatedAt,
    retiredAt: row.retiredAt,
    publishUntil: row.publishUntil,
    status: signingKeyStatus(row, now),
  };
}
