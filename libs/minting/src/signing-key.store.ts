import type { JWK } from 'jose';
import type { DataSource, EntityManager } from 'typeorm';
import { SigningKeyEntity } from '@fedbroker/persistence';
import { generateSigningKey, type GeneratedSigningKey } from './generate-signing-key';
import { importPrivateKey } from './import-private-key';
import { KeyEncryptionKeys } from './key-encryption-keys';
import { wrapPrivateKey } from './key-wrap';
import { MintingError } from './minting.error';
import { rotationDue, type RotationRule } from './rotation-due';
import type { SigningAlgorithm } from './signing-algorithms';
import { signingKeyStatus, SigningSchedule, type ScheduledKey } from './signing-key.schedule';
import type {
  CurrentSigningKey,
  PublicJwks,
  RewrapReport,
  RotatedKey,
  RotateOptions,
  RotationReason,
  SigningKeyInfo,
} from './signing-key.types';

/** `pg_advisory_xact_lock` key serializing key creation, rotation and rewrapping across replicas. */
const SIGNING_KEYS_LOCK = 7_310_584_116_017_353;

interface PublishedKey {
  jwk: JWK;
  publishUntil: Date | null;
}

interface LoadedKeys {
  schedule: SigningSchedule;
  published: PublishedKey[];
  /** Keys in use that are still wrapped under a previous key-encryption key. */
  underPrevious: string[];
}

/** Options of {@link SigningKeyStore}. */
export interface SigningKeyStoreOptions {
  /** The 32-byte key-encryption key (`FEDBROKER_KEY_ENCRYPTION_KEY`) wrapping private keys at rest. */
  kek: Buffer;
  /** Previous key-encryption keys that may still unwrap stored keys until they are rewrapped. */
  previousKeks?: readonly Buffer[];
  /** The clock; defaults to the system clock. */
  now?: () => Date;
  /** Algorithm of keys this store generates; defaults to ES256. */
  alg?: SigningAlgorithm;
}

/** Runs inside a rotation's transaction, e.g. to record who rotated. */
export type WithinRotation = (manager: EntityManager, key: RotatedKey) => Promise<void>;

/** Runs inside a rewrap's transaction once every key is rewrapped. */
export type WithinRewrap = (manager: EntityManager, report: RewrapReport) => Promise<void>;

/** A scheduled rotation: when it is due, and how it goes. */
export interface DueRotation extends RotationRule {
  maxTokenTtlSeconds: number;
  activateAfterSeconds: number;
}

/**
 * The broker's signing keys: kept in PostgreSQL (private halves wrapped under the key-encryption
 * key), held in memory for the hot path. Replicas agree on the current key through the database.
 */
export class SigningKeyStore {
  private readonly keks: KeyEncryptionKeys;
  private readonly now: () => Date;
  private readonly alg: SigningAlgorithm;
  private loaded: LoadedKeys | null = null;

  constructor(
    private readonly dataSource: DataSource,
    opts: SigningKeyStoreOptions,
  ) {
    this.keks = new KeyEncryptionKeys(opts.kek, opts.previousKeks);
    this.now = opts.now ?? (() => new Date());
    this.alg = opts.alg ?? 'ES256';
  }

  /** Whether keys are loaded and {@link current} can sign. */
  get ready(): boolean {
    return this.loaded !== null;
  }

  /** The algorithm of the keys this store generates. */
  get algorithm(): SigningAlgorithm {
    return this.alg;
  }

  /** Keys in use (pending, current) still wrapped under a previous key-encryption key, by `kid`. */
  get keysUnderPreviousKek(): readonly string[] {
    return this.requireLoaded().underPrevious;
  }

  /**
   * Loads (or reloads) the keys from the database into memory. On first start, creates the first
   * key; concurrent starts of several replicas create exactly one. Throws
   * `MintingError('kek_mismatch')` when no key-encryption key can unwrap a key in use.
   */
  async load(): Promise<void> {
    let rows = await this.readKeys(this.dataSource.manager);
    if (signingKeys(rows, this.now()).length === 0) {
      rows = await this.dataSource.transaction(async (manager) => {
        await lockSigningKeys(manager);
        const again = await this.readKeys(manager);
        if (signingKeys(again, this.now()).length > 0) return again;
        const now = this.now();
        await this.insertKey(manager, await generateSigningKey(this.alg), now, now, this.keks.current);
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
   * The public keys to publish: pending keys, the current key, and retiring keys still within
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
    return this.listIn(this.dataSource.manager);
  }

  /**
   * Publishes a new key now and makes it sign `activateAfterSeconds` later; until then the current
   * key keeps signing. The current key retires at that activation time and stays published for
   * `maxTokenTtlSeconds` more, so every token it signed still verifies. Reloads memory afterwards.
   *
   * A rotation while a key is still pending throws `MintingError('rotation_pending')` rather than
   * replacing it: the pending key may already sit in resource servers' `/jwks` caches, and
   * replacing it would silently restart the lead time (AWS KMS likewise refuses an on-demand
   * rotation while one is in progress). Rotate again once it is current.
   */
  async rotate(
    maxTokenTtlSeconds: number,
    options: RotateOptions = {},
    within?: WithinRotation,
  ): Promise<SigningKeyInfo> {
    const rotated = await this.rotateWhen(
      maxTokenTtlSeconds,
      options.activateAfterSeconds ?? 0,
      (keys) => {
        const pending = keys.find((k) => k.status === 'pending');
        if (pending?.activatesAt) {
          throw new MintingError(
            'rotation_pending',
            `signing key ${pending.kid} activates at ${pending.activatesAt.toISOString()}; rotate again after that`,
            { kid: pending.kid },
          );
        }
        return 'demand';
      },
      within,
    );
    if (rotated === undefined) throw new MintingError('keys_not_loaded', 'The rotation did not happen');
    return rotated;
  }

  /**
   * Rotates when `rule` says a rotation is due (the current key is too old, or not of this store's
   * algorithm) and none is pending, exactly once however many replicas ask at the same time: the
   * decision is taken again under the lock. The new key is published `activateAfterSeconds` before
   * it signs. Resolves with the new key, or undefined when none was due.
   */
  async rotateIfDue(rule: DueRotation, within?: WithinRotation): Promise<SigningKeyInfo | undefined> {
    if (rotationDue(await this.list(), rule, this.now()) === undefined) return undefined;
    return this.rotateWhen(
      rule.maxTokenTtlSeconds,
      rule.activateAfterSeconds,
      (keys) => rotationDue(keys, rule, this.now()),
      within,
    );
  }

  /**
   * Rewraps every stored key under the current key-encryption key, in one transaction: afterwards
   * the previous key-encryption keys are no longer needed. A retired key no configured key opens
   * is reported and left alone; a key still in use that none opens fails the whole rewrap
   * (`MintingError('key_unreadable')`).
   */
  async rewrap(within?: WithinRewrap): Promise<RewrapReport> {
    const report = await this.dataSource.transaction(async (manager) => {
      await lockSigningKeys(manager);
      const now = this.now();
      const result: RewrapReport = { rewrapped: [], unchanged: [], unreadable: [] };
      for (const row of await this.readKeys(manager)) {
        let opened: ReturnType<KeyEncryptionKeys['unwrap']>;
        try {
          opened = this.keks.unwrap(row.privateKeyWrapped, row.kid);
        } catch (error) {
          if (!(error instanceof MintingError && error.code === 'kek_mismatch')) throw error;
          if (signingKeyStatus(row, now) !== 'retired') {
            throw new MintingError('key_unreadable', `${error.message}; nothing was rewrapped`, {
              kid: row.kid,
            });
          }
          result.unreadable.push(row.kid);
          continue;
        }
        if (opened.under === 'current') {
          result.unchanged.push(row.kid);
        } else {
          const privateKeyWrapped = wrapPrivateKey(this.keks.current, opened.pkcs8Der, row.kid);
          await manager.getRepository(SigningKeyEntity).update({ kid: row.kid }, { privateKeyWrapped });
          result.rewrapped.push(row.kid);
        }
        opened.pkcs8Der.fill(0);
      }
      await within?.(manager, result);
      return result;
    });
    await this.load();
    return report;
  }

  private async rotateWhen(
    maxTokenTtlSeconds: number,
    lead: number,
    decide: (keys: SigningKeyInfo[]) => RotationReason | undefined,
    within: WithinRotation | undefined,
  ): Promise<SigningKeyInfo | undefined> {
    if (!Number.isInteger(maxTokenTtlSeconds) || maxTokenTtlSeconds < 0) {
      throw new MintingError('invalid_rotation', 'maxTokenTtlSeconds must be a non-negative integer');
    }
    if (!Number.isInteger(lead) || lead < 0) {
      throw new MintingError('invalid_rotation', 'activateAfterSeconds must be a non-negative integer');
    }
    const key = await generateSigningKey(this.alg);
    const rotated = await this.dataSource.transaction(async (manager) => {
      await lockSigningKeys(manager);
      const reason = decide(await this.listIn(manager));
      if (reason === undefined) return false;
      const now = this.now();
      const activatesAt = new Date(now.getTime() + lead * 1000);
      const kek = await this.wrappingKek(manager);
      await manager
        .createQueryBuilder()
        .update(SigningKeyEntity)
        .set({
          retiredAt: activatesAt,
          publishUntil: new Date(activatesAt.getTime() + maxTokenTtlSeconds * 1000),
        })
        .where('retired_at IS NULL')
        .execute();
      await this.insertKey(manager, key, now, activatesAt, kek);
      await within?.(manager, { kid: key.kid, alg: key.alg, activatesAt, reason });
      return true;
    });
    key.pkcs8Der.fill(0);
    if (!rotated) return undefined;
    await this.load();
    const created = await this.dataSource.getRepository(SigningKeyEntity).findOneByOrFail({ kid: key.kid });
    return toInfo(created, this.now());
  }

  /**
   * The key-encryption key new keys are wrapped under: the one the newest stored key is wrapped
   * under. Until a rewrap moves every key to the current key-encryption key, replicas that do not
   * have it yet can still unwrap what a rotation adds.
   */
  private async wrappingKek(manager: EntityManager): Promise<Buffer> {
    const [newest] = await this.readKeys(manager);
    if (newest === undefined) return this.keks.current;
    const opened = this.keks.unwrap(newest.privateKeyWrapped, newest.kid);
    opened.pkcs8Der.fill(0);
    return opened.kek;
  }

  private async listIn(manager: EntityManager): Promise<SigningKeyInfo[]> {
    const rows = await manager.getRepository(SigningKeyEntity).find({ order: { createdAt: 'DESC' } });
    const now = this.now();
    return rows.map((row) => toInfo(row, now));
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
    kek: Buffer,
  ): Promise<void> {
    await manager.getRepository(SigningKeyEntity).insert({
      kid: key.kid,
      alg: key.alg,
      publicJwk: { ...key.publicJwk },
      privateKeyWrapped: wrapPrivateKey(kek, key.pkcs8Der, key.kid),
      createdAt,
      activatedAt,
      retiredAt: null,
      publishUntil: null,
    });
  }

  private async toLoadedKeys(rows: SigningKeyEntity[]): Promise<LoadedKeys> {
    const now = this.now();
    const signing = signingKeys(rows, now);
    // A replica whose clock lags the one that created the first key sees it as not yet current.
    const current = signing.findLast((k) => signingKeyStatus(k, now) === 'current') ?? signing[0];
    if (!current) throw new MintingError('keys_not_loaded', 'No current signing key in the database');
    const underPrevious: string[] = [];
    const importKey = async (row: SigningKeyEntity): Promise<CurrentSigningKey> => {
      const { pkcs8Der, under } = this.keks.unwrap(row.privateKeyWrapped, row.kid);
      if (under === 'previous') underPrevious.push(row.kid);
      const privateKey = await importPrivateKey(row.alg, pkcs8Der);
      pkcs8Der.fill(0);
      return { kid: row.kid, alg: row.alg, privateKey, activatesAt: row.activatedAt ?? row.createdAt };
    };
    const pending: ScheduledKey[] = [];
    for (const row of signing.filter((k) => k !== current && signingKeyStatus(k, now) === 'pending')) {
      pending.push({ activatesAt: row.activatedAt?.getTime() ?? 0, key: await importKey(row) });
    }
    const schedule = new SigningSchedule(await importKey(current), pending);
    const published = rows
      .filter((k) => k.publishUntil === null || k.publishUntil.getTime() > now.getTime())
      .map((k) => ({
        jwk: Object.freeze<JWK>({ ...k.publicJwk, kid: k.kid, alg: k.alg }),
        publishUntil: k.publishUntil,
      }));
    return { schedule, published, underPrevious };
  }
}

/** Keys that sign now or will, soonest activation first. */
function signingKeys(rows: SigningKeyEntity[], now: Date): SigningKeyEntity[] {
  return rows
    .filter((k) => {
      const status = signingKeyStatus(k, now);
      return status === 'pending' || status === 'current';
    })
    .sort((a, b) => (a.activatedAt?.getTime() ?? 0) - (b.activatedAt?.getTime() ?? 0));
}

async function lockSigningKeys(manager: EntityManager): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEYS_LOCK]);
}

function toInfo(row: SigningKeyEntity, now: Date): SigningKeyInfo {
  return {
    kid: row.kid,
    alg: row.alg,
    status: signingKeyStatus(row, now),
    createdAt: row.createdAt,
    activatesAt: row.activatedAt,
    retiresAt: row.retiredAt,
    publishUntil: row.publishUntil,
  };
}
