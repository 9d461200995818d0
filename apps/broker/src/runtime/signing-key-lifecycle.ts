import type { BrokerConfig } from '@fedbroker/config';
import { BROKER_ACTOR, type ChangeLog } from '@fedbroker/history';
import type {
  RewrapReport,
  RotateOptions,
  SigningKeyInfo,
  SigningKeyStore,
  WithinRotation,
} from '@fedbroker/minting';
import type { BrokerLogger } from '../telemetry/broker-logger';

/** How often each replica checks whether a scheduled rotation is due. */
const CHECK_EVERY_MS = 5 * 60_000;

interface Announcer {
  /** Tells every replica to reload (the catalog's version bump and NOTIFY). */
  announce(): Promise<void>;
}

/**
 * Rotation and rewrapping of the signing keys, on demand and on schedule, each recorded in the
 * history and announced to every replica.
 */
export class SigningKeyLifecycle {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly keys: SigningKeyStore,
    private readonly config: BrokerConfig,
    private readonly changes: ChangeLog,
    private readonly replicas: Announcer,
    private readonly logger: BrokerLogger,
  ) {}

  /**
   * At start: rotates to a key of `FEDBROKER_SIGNING_ALG` when the current key is of another
   * algorithm (or is due for age), and starts the periodic check when a schedule is configured.
   * Only a starting replica switches algorithm, so that a replica still running with the old
   * setting during a rolling change never switches back.
   */
  async start(): Promise<void> {
    await this.rotateIfDue(true);
    const underPrevious = this.keys.keysUnderPreviousKek;
    if (underPrevious.length > 0) {
      this.logger.warn(
        { keys: underPrevious },
        'signing keys are wrapped under a previous key-encryption key: run `fedbroker keys rewrap` once every replica has FEDBROKER_KEY_ENCRYPTION_KEY',
      );
    }
    if (this.config.keyRotationDays === undefined) return;
    this.timer = setInterval(() => {
      this.check().catch((err: unknown) => {
        this.logger.warn({ err }, 'scheduled signing-key rotation failed');
      });
    }, CHECK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** The periodic check: rotates when the current key has signed `FEDBROKER_KEY_ROTATION_DAYS`. */
  check(): Promise<SigningKeyInfo | undefined> {
    return this.rotateIfDue(false);
  }

  /** An admin's rotation (`POST /admin/v1/signing-keys/rotate`), recorded as `actor`'s. */
  async rotate(options: RotateOptions, actor: string): Promise<SigningKeyInfo> {
    const key = await this.keys.rotate(this.config.maxTtlSeconds, options, this.record(actor));
    await this.replicas.announce();
    this.logger.info(
      { kid: key.kid, alg: key.alg, activatesAt: key.activatesAt, actor },
      'signing key rotated',
    );
    return key;
  }

  /** Rewraps every stored key under `FEDBROKER_KEY_ENCRYPTION_KEY`, recorded as `actor`'s. */
  async rewrap(actor: string): Promise<RewrapReport> {
    const report = await this.keys.rewrap(async (manager, done) => {
      for (const kid of done.rewrapped) {
        await this.changes.record(manager, {
          actor,
          action: 'update',
          resource: 'signing-key',
          name: kid,
          version: null,
          before: { kid, keyEncryptionKey: 'previous' },
          after: { kid, keyEncryptionKey: 'current' },
        });
      }
    });
    if (report.rewrapped.length > 0) await this.replicas.announce();
    this.logger.info({ ...report, actor }, 'signing keys rewrapped');
    return report;
  }

  private async rotateIfDue(atStart: boolean): Promise<SigningKeyInfo | undefined> {
    const days = this.config.keyRotationDays;
    const key = await this.keys.rotateIfDue(
      {
        maxAgeSeconds: days === undefined ? undefined : days * 86_400,
        algorithm: atStart ? this.config.signingAlg : undefined,
        maxTokenTtlSeconds: this.config.maxTtlSeconds,
        activateAfterSeconds: this.config.keyRotationLeadSeconds,
      },
      this.record(BROKER_ACTOR),
    );
    if (key === undefined) return undefined;
    await this.replicas.announce();
    this.logger.info(
      { kid: key.kid, alg: key.alg, activatesAt: key.activatesAt, actor: BROKER_ACTOR },
      'signing key rotated',
    );
    return key;
  }

  private record(actor: string): WithinRotation {
    return (manager, created) =>
      this.changes.record(manager, {
        actor,
        action: 'create',
        resource: 'signing-key',
        name: created.kid,
        version: null,
        before: null,
        after: {
          kid: created.kid,
          alg: created.alg,
          activatesAt: created.activatesAt.toISOString(),
          reason: created.reason,
        },
      });
  }
}
