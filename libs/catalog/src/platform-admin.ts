import type { DataSource } from 'typeorm';
import { PlatformEntity } from '@fedbroker/persistence';
import {
  issuerOfRoute,
  keySourceAddressProblems,
  type AdapterRegistry,
  type PlatformConfig,
} from '@fedbroker/platforms';
import { Catalog } from './catalog';
import { CatalogError, type FieldProblem } from './catalog.error';
import { toPlatformRecord, type PlatformRecord } from './catalog-records';
import { parseBody, platformBodySchema, type PlatformBody } from './catalog-schemas';
import { checkVersion, translateWriteError } from './write-rules';

export interface KeyStatus {
  ok: boolean;
  keyCount: number;
  error?: string;
}

export interface PlatformAdminOptions {
  adapters: AdapterRegistry;
  /** Accepted audiences when a platform names none: the broker's issuer and token endpoint. */
  defaultAudiences: string[];
  allowHttp: boolean;
  /** Accept key sources on private networks (link-local and metadata addresses never). */
  allowPrivateKeySources: boolean;
  probeKeys: (platform: PlatformConfig) => Promise<KeyStatus>;
}

/** Serializes platform writes so that two registrations cannot claim one route at once. */
const ROUTES_LOCK = 'SELECT pg_advisory_xact_lock(hashtext($1))';

/** Create, read, update and delete platforms, validated per kind. */
export class PlatformAdmin {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: Catalog,
    private readonly options: PlatformAdminOptions,
  ) {}

  async list(): Promise<PlatformRecord[]> {
    const rows = await this.repository().find({ order: { name: 'ASC' } });
    return rows.map(toPlatformRecord);
  }

  async get(name: string): Promise<PlatformRecord> {
    const row = await this.repository().findOneBy({ name });
    if (!row) throw new CatalogError('not_found', `platform ${name} does not exist`);
    return toPlatformRecord(row);
  }

  async create(input: unknown): Promise<{ platform: PlatformRecord; keys: KeyStatus }> {
    const body = await this.validate(input);
    const row = await this.write(async (repository) => {
      await this.refuseAmbiguous(repository, body, undefined);
      return repository.save(repository.create(this.toColumns(body)));
    });
    return this.afterWrite(row);
  }

  async update(
    name: string,
    input: unknown,
    expectedVersions?: readonly number[],
  ): Promise<{ platform: PlatformRecord; keys: KeyStatus }> {
    const body = await this.validate(input);
    if (body.name !== name) {
      throw new CatalogError('validation_failed', 'the body does not match the resource', [
        { field: 'name', message: `must be ${name}; platforms cannot be renamed` },
      ]);
    }
    const row = await this.write(async (repository) => {
      const existing = await repository.findOne({ where: { name }, lock: { mode: 'pessimistic_write' } });
      if (!existing) throw new CatalogError('not_found', `platform ${name} does not exist`);
      checkVersion(existing.version, expectedVersions);
      await this.refuseAmbiguous(repository, body, existing.id);
      return repository.save(repository.merge(existing, this.toColumns(body)));
    });
    return this.afterWrite(row);
  }

  async delete(name: string, expectedVersions?: readonly number[]): Promise<void> {
    await this.write(async (repository) => {
      const existing = await repository.findOne({ where: { name }, lock: { mode: 'pessimistic_write' } });
      if (!existing) throw new CatalogError('not_found', `platform ${name} does not exist`);
      checkVersion(existing.version, expectedVersions);
      await repository.delete({ id: existing.id });
    });
    await this.catalog.reload();
  }

  /**
   * Refuses a platform the broker could not tell apart from another: one that answers to a route key
   * (issuer, issuer and key id, trust domain, tenant, account) another platform answers to.
   */
  private async refuseAmbiguous(
    repository: ReturnType<PlatformAdmin['repository']>,
    body: PlatformBody,
    ownId: string | undefined,
  ): Promise<void> {
    await repository.manager.query(ROUTES_LOCK, ['fedbroker_platform_routes']);
    const { adapters } = this.options;
    const routes = adapters.get(body.kind).routeKeys(this.toConfigShape(body));
    for (const other of await repository.find()) {
      if (other.id === ownId || !adapters.has(other.kind as PlatformConfig['kind'])) continue;
      const record = toPlatformRecord(other);
      const shared = sharedRoute(
        routes,
        adapters.get(record.kind).routeKeys(record),
        body.kind !== record.kind,
      );
      if (shared !== undefined) {
        throw new CatalogError(
          'conflict',
          `platform ${other.name} already answers to ${shared}: the broker could not tell the two apart`,
          [{ field: 'issuer', message: `conflicts with platform ${other.name}` }],
        );
      }
    }
  }

  private repository() {
    return this.dataSource.getRepository(PlatformEntity);
  }

  private async write<T>(
    work: (repository: ReturnType<PlatformAdmin['repository']>) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const result = await work(manager.getRepository(PlatformEntity));
        await Catalog.bumpVersion(manager);
        return result;
      });
    } catch (error) {
      throw translateWriteError(error);
    }
  }

  private async afterWrite(row: PlatformEntity): Promise<{ platform: PlatformRecord; keys: KeyStatus }> {
    await this.catalog.reload();
    const platform = toPlatformRecord(row);
    return { platform, keys: await this.options.probeKeys(platform) };
  }

  private async validate(input: unknown): Promise<PlatformBody> {
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

  private toConfigShape(body: PlatformBody): Omit<PlatformConfig, 'id' | 'version'> {
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
    };
  }

  private toColumns(body: PlatformBody): Partial<PlatformEntity> {
    const shape = this.toConfigShape(body);
    return {
      ...shape,
      jwks: shape.jwks ?? null,
      jwksUri: shape.jwksUri ?? null,
      caBundle: shape.caBundle ?? null,
    };
  }
}

/**
 * The route two platforms would both answer to. Platforms of different kinds may not share an issuer
 * at all, even with distinct key ids: a key-id route is more specific than an issuer route, so it
 * would take the other kind's credentials that carry that key id.
 */
function sharedRoute(
  mine: readonly string[],
  theirs: readonly string[],
  otherKind: boolean,
): string | undefined {
  const exact = mine.find((key) => theirs.includes(key));
  if (exact !== undefined || !otherKind) return exact;
  const theirIssuers = new Set(theirs.map(issuerOfRoute).filter((issuer) => issuer !== undefined));
  const issuer = mine
    .map(issuerOfRoute)
    .find((candidate) => candidate !== undefined && theirIssuers.has(candidate));
  return issuer === undefined ? undefined : `the issuer ${issuer}`;
}
