import type { DataSource, EntityManager, Repository } from 'typeorm';
import type { ChangeAction, ChangeLog } from '@fedbroker/history';
import { PlatformEntity, PolicyEntity } from '@fedbroker/persistence';
import {
  inlineKeyProblems,
  keySourceAddressProblems,
  type AdapterRegistry,
  type PlatformConfig,
} from '@fedbroker/platforms';
import { Catalog } from './catalog';
import { CatalogError, type FieldProblem } from './catalog.error';
import { toPlatformRecord, type PlatformRecord } from './catalog-records';
import { parseBody, requirePossibleName, platformBodySchema, type PlatformBody } from './catalog-schemas';
import { platformView } from './catalog-views';
import { applyMergePatch } from './json-merge-patch';
import { platformClashWith } from './platform-clash';
import { withoutReadOnlyMembers } from './read-only-members';
import { unpinnedPolicies } from './shared-issuer-policies';
import { checkVersion, translateWriteError } from './write-rules';

export interface KeyStatus {
  ok: boolean;
  /** The keys that can verify a token. */
  keyCount: number;
  error?: string;
  /** Keys of the set that can never verify a token, each with why; not counted. */
  unusableKeys?: string[];
}

export interface PlatformAdminOptions {
  adapters: AdapterRegistry;
  /** Accepted audiences when a platform names none: the broker's issuer and token endpoint. */
  defaultAudiences: string[];
  allowHttp: boolean;
  /** Accept key sources on private networks (link-local and metadata addresses never). */
  allowPrivateKeySources: boolean;
  probeKeys: (platform: PlatformConfig) => Promise<KeyStatus>;
  /** Where every write is recorded, in the write's transaction. */
  changes: ChangeLog;
}

/** A platform write's answer: the platform as stored and whether its keys could be fetched. */
export interface PlatformWrite {
  platform: PlatformRecord;
  keys: KeyStatus;
}

/** Serializes platform writes so that two registrations cannot claim one route at once. */
const ROUTES_LOCK = 'SELECT pg_advisory_xact_lock(hashtext($1))';

/** Takes the lock every platform write holds while it checks and claims routes, until commit. */
export async function lockRoutes(manager: EntityManager): Promise<void> {
  await manager.query(ROUTES_LOCK, ['fedbroker_platform_routes']);
}

/** What a write's answer adds to the platform; sent back with PUT it is ignored. */
const WRITE_REPORTS = ['keys'];

/** Replacements retried when another write lands between reading the platform and locking it. */
const REPLACE_ATTEMPTS = 3;

/** The platform changed between the read a replacement was validated against and its lock. */
class MovedOn extends Error {}

/** Create, read, update and delete platforms, validated per kind; every write recorded with its actor. */
export class PlatformAdmin {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: Catalog,
    private readonly options: PlatformAdminOptions,
  ) {}

  async list(): Promise<PlatformRecord[]> {
    const rows = await this.dataSource.getRepository(PlatformEntity).find({ order: { name: 'ASC' } });
    return rows.map(toPlatformRecord);
  }

  async get(name: string): Promise<PlatformRecord> {
    requirePossibleName('platform', name);
    const row = await this.dataSource.getRepository(PlatformEntity).findOneBy({ name });
    if (!row) throw new CatalogError('not_found', `platform ${name} does not exist`);
    return toPlatformRecord(row);
  }

  /** Whether the platform's keys can be fetched now, as a write reports it (`keys`). */
  async keyStatus(name: string): Promise<KeyStatus> {
    return this.options.probeKeys(await this.get(name));
  }

  async create(input: unknown, actor: string): Promise<PlatformWrite> {
    const body = await this.validate(input);
    const row = await this.write(body.name, async (manager, repository) => {
      await this.refuseAmbiguous(repository, body, undefined);
      const saved = await repository.save(repository.create(this.toColumns(body)));
      await this.record(manager, actor, 'create', undefined, saved);
      return saved;
    });
    return this.afterWrite(row);
  }

  /** Replaces the platform with `input`, which may carry the read-only members GET shows. */
  update(name: string, input: unknown, expectedVersions: readonly number[] | undefined, actor: string) {
    return this.replace(name, expectedVersions, actor, () => input);
  }

  /** Applies a JSON merge patch (RFC 7396) to the platform as GET shows it. */
  patch(name: string, patch: unknown, expectedVersions: readonly number[] | undefined, actor: string) {
    return this.replace(name, expectedVersions, actor, (current) => applyMergePatch(current, patch));
  }

  async delete(name: string, expectedVersions: readonly number[] | undefined, actor: string): Promise<void> {
    requirePossibleName('platform', name);
    await this.write(name, async (manager, repository) => {
      const existing = await lockByName(repository, name);
      checkVersion(existing.version, expectedVersions);
      await refuseInUse(manager, existing);
      await repository.delete({ id: existing.id });
      await this.record(manager, actor, 'delete', existing, undefined);
    });
    await this.catalog.reload();
  }

  /**
   * Validates the replacement against the platform as read (key-source checks resolve host names,
   * so not while holding its lock), then writes it if the platform is still at that version, and
   * starts over when another write came in between.
   */
  private async replace(
    name: string,
    expectedVersions: readonly number[] | undefined,
    actor: string,
    bodyFor: (current: Record<string, unknown>) => unknown,
  ): Promise<PlatformWrite> {
    requirePossibleName('platform', name);
    for (let attempt = 1; ; attempt++) {
      const current = await this.dataSource.getRepository(PlatformEntity).findOneBy({ name });
      if (!current) throw new CatalogError('not_found', `platform ${name} does not exist`);
      checkVersion(current.version, expectedVersions);
      const input = bodyFor(platformView(toPlatformRecord(current)));
      const body = await this.validate(withoutReadOnlyMembers(input, current, WRITE_REPORTS));
      if (body.name !== name) {
        throw new CatalogError('validation_failed', 'the body does not match the resource', [
          { field: 'name', message: `must be ${name}; platforms cannot be renamed` },
        ]);
      }
      try {
        const row = await this.write(name, async (manager, repository) => {
          const existing = await lockByName(repository, name);
          checkVersion(existing.version, expectedVersions);
          if (existing.version !== current.version) throw new MovedOn();
          await this.refuseAmbiguous(repository, body, existing.id);
          await this.refuseUnpinnedPolicies(manager, body, existing.id);
          const saved = await repository.save(repository.merge(existing, this.toColumns(body)));
          if (saved.version !== current.version) await this.record(manager, actor, 'update', current, saved);
          return saved;
        });
        return await this.afterWrite(row);
      } catch (error) {
        if (!(error instanceof MovedOn)) throw error;
        if (attempt === REPLACE_ATTEMPTS) {
          throw new CatalogError('precondition_failed', `platform ${name} kept changing; read it again`);
        }
      }
    }
  }

  /**
   * Refuses a platform the broker could not tell apart from another (see {@link platformClashWith}),
   * naming the first such platform by name and the field that clashes.
   */
  private async refuseAmbiguous(
    repository: Repository<PlatformEntity>,
    body: PlatformBody,
    ownId: string | undefined,
  ): Promise<void> {
    await lockRoutes(repository.manager);
    const { adapters } = this.options;
    const clashWith = platformClashWith(adapters, this.toConfigShape(body));
    for (const other of await repository.find({ order: { name: 'ASC' } })) {
      if (other.id === ownId || !adapters.has(other.kind as PlatformConfig['kind'])) continue;
      const clash = await clashWith(toPlatformRecord(other));
      if (clash !== undefined) {
        throw new CatalogError(
          'conflict',
          `platform ${other.name} already ${clash.reason}: the broker could not tell the two apart`,
          [{ field: clash.field, message: `conflicts with platform ${other.name}` }],
          { conflicts: [{ resource: 'platform', name: other.name }] },
        );
      }
    }
  }

  /**
   * Refuses a replacement that would make the platform a shared issuer (a multi-tenant issuer, or
   * Azure attested documents of any subscription) while policies of it pin no tenant.
   */
  private async refuseUnpinnedPolicies(
    manager: EntityManager,
    body: PlatformBody,
    id: string,
  ): Promise<void> {
    const names = await unpinnedPolicies(manager, this.options.adapters, this.toConfigShape(body), id);
    if (names.length === 0) return;
    throw new CatalogError(
      'conflict',
      `policies ${names.join(', ')} pin no tenant field, which this platform's shared-issuer rule requires; ` +
        'change them first',
      [
        {
          field: 'issuer',
          message: `${body.kind} platform ${body.name} would take the credentials of many tenants`,
        },
      ],
      { conflicts: names.map((name) => ({ resource: 'policy', name })) },
    );
  }

  private async write<T>(
    name: string,
    work: (manager: EntityManager, repository: Repository<PlatformEntity>) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const result = await work(manager, manager.getRepository(PlatformEntity));
        await Catalog.bumpVersion(manager, this.catalog.origin);
        return result;
      });
    } catch (error) {
      throw translateWriteError(error, { resource: 'platform', name });
    }
  }

  private record(
    manager: EntityManager,
    actor: string,
    action: ChangeAction,
    before: PlatformEntity | undefined,
    after: PlatformEntity | undefined,
  ): Promise<void> {
    const shown = (row: PlatformEntity | undefined) => (row ? platformView(toPlatformRecord(row)) : null);
    const subject = after ?? before;
    return this.options.changes.record(manager, {
      actor,
      action,
      resource: 'platform',
      name: subject?.name ?? '',
      version: subject?.version ?? null,
      before: shown(before),
      after: shown(after),
    });
  }

  private async afterWrite(row: PlatformEntity): Promise<PlatformWrite> {
    await this.catalog.reload();
    const platform = toPlatformRecord(row);
    return { platform, keys: await this.options.probeKeys(platform) };
  }

  /**
   * Parses and checks a platform body (settings, registration rules, key-source addresses, which
   * may resolve host names). @throws CatalogError listing every problem.
   */
  async validate(input: unknown): Promise<PlatformBody> {
    const parsed = parseBody(platformBodySchema, input);
    if (!parsed.ok) throw new CatalogError('validation_failed', 'the platform is not valid', parsed.problems);
    const body = parsed.value;
    if (!this.options.adapters.has(body.kind)) {
      throw new CatalogError('validation_failed', 'the platform is not valid', [
        { field: 'kind', message: `${body.kind} platforms are not supported by this version` },
      ]);
    }
    const adapter = this.options.adapters.get(body.kind);
    const problems: FieldProblem[] = [];
    const settings = adapter.settingsSchema.safeParse(body.settings);
    if (!settings.success) {
      for (const issue of settings.error.issues) {
        problems.push({ field: ['settings', ...issue.path.map(String)].join('.'), message: issue.message });
      }
    }
    problems.push(...adapter.registrationProblems(this.toConfigShape(body), this.options.allowHttp));
    problems.push(...(await inlineKeyProblems(body.jwks, problems)));
    if (problems.length === 0) problems.push(...(await this.addressProblems(body)));
    if (problems.length > 0)
      throw new CatalogError('validation_failed', 'the platform is not valid', problems);
    return body;
  }

  private addressProblems(body: PlatformBody): Promise<FieldProblem[]> {
    const source = this.options.adapters
      .get(body.kind)
      .keySource({ ...this.toConfigShape(body), id: '', version: 0 });
    const field =
      source.type === 'oidc-discovery' ? 'issuer' : body.jwksUri !== undefined ? 'jwksUri' : 'settings';
    return keySourceAddressProblems(source, field, this.options.allowPrivateKeySources);
  }

  /** The registration a body describes, with default audiences filled in. */
  toConfigShape(body: PlatformBody): Omit<PlatformConfig, 'id' | 'version'> {
    return {
      name: body.name,
      kind: body.kind,
      issuer: body.issuer,
      jwks: body.jwks,
      jwksUri: body.jwksUri,
      caBundle: body.caBundle,
      audiences: body.audiences ?? this.options.defaultAudiences,
      clockSkewSeconds: body.clockSkewSeconds,
      settings: body.settings,
      enabled: body.enabled,
      oneTimeUse: body.oneTimeUse,
    };
  }

  /** The columns a body stores. */
  toColumns(body: PlatformBody): Partial<PlatformEntity> {
    const shape = this.toConfigShape(body);
    return {
      ...shape,
      jwks: shape.jwks ?? null,
      jwksUri: shape.jwksUri ?? null,
      caBundle: shape.caBundle ?? null,
    };
  }
}

async function lockByName(repository: Repository<PlatformEntity>, name: string): Promise<PlatformEntity> {
  const existing = await repository.findOne({ where: { name }, lock: { mode: 'pessimistic_write' } });
  if (!existing) throw new CatalogError('not_found', `platform ${name} does not exist`);
  return existing;
}

/** Refuses to delete a platform that policies still refer to, naming them. */
async function refuseInUse(manager: EntityManager, platform: PlatformEntity): Promise<void> {
  const users = await manager
    .getRepository(PolicyEntity)
    .find({ select: { name: true }, where: { platformId: platform.id }, order: { name: 'ASC' } });
  if (users.length === 0) return;
  throw new CatalogError(
    'in_use',
    `trust policies still refer to platform ${platform.name}; delete them first`,
    [],
    { conflicts: users.map((policy) => ({ resource: 'policy', name: policy.name })) },
  );
}
