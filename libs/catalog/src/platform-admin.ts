import type { DataSource } from 'typeorm';
import { PlatformEntity } from '@fedbroker/persistence';
import type { AdapterRegistry, PlatformConfig } from '@fedbroker/platforms';
import { Catalog } from './catalog';
import { CatalogError, type FieldProblem } from './catalog.error';
import { toPlatformRecord, type PlatformRecord } from './catalog-records';
import { parseBody, requirePossibleName, platformBodySchema, type PlatformBody } from './catalog-schemas';
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
  probeKeys: (platform: PlatformConfig) => Promise<KeyStatus>;
  forgetKeys: (platformId: string) => void;
}

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
    requirePossibleName('platform', name);
    const row = await this.repository().findOneBy({ name });
    if (!row) throw new CatalogError('not_found', `platform ${name} does not exist`);
    return toPlatformRecord(row);
  }

  async create(input: unknown): Promise<{ platform: PlatformRecord; keys: KeyStatus }> {
    const body = this.validate(input);
    const row = await this.write(async (repository) =>
      repository.save(repository.create(this.toColumns(body))),
    );
    return this.afterWrite(row);
  }

  async update(
    name: string,
    input: unknown,
    expectedVersions?: readonly number[],
  ): Promise<{ platform: PlatformRecord; keys: KeyStatus }> {
    const body = this.validate(input);
    if (body.name !== name) {
      throw new CatalogError('validation_failed', 'the body does not match the resource', [
        { field: 'name', message: `must be ${name}; platforms cannot be renamed` },
      ]);
    }
    const row = await this.write(async (repository) => {
      const existing = await repository.findOne({ where: { name }, lock: { mode: 'pessimistic_write' } });
      if (!existing) throw new CatalogError('not_found', `platform ${name} does not exist`);
      checkVersion(existing.version, expectedVersions);
      return repository.save(repository.merge(existing, this.toColumns(body)));
    });
    this.options.forgetKeys(row.id);
    return this.afterWrite(row);
  }

  async delete(name: string, expectedVersions?: readonly number[]): Promise<void> {
    requirePossibleName('platform', name);
    const id = await this.write(async (repository) => {
      const existing = await repository.findOne({ where: { name }, lock: { mode: 'pessimistic_write' } });
      if (!existing) throw new CatalogError('not_found', `platform ${name} does not exist`);
      checkVersion(existing.version, expectedVersions);
      await repository.delete({ id: existing.id });
      return existing.id;
    });
    this.options.forgetKeys(id);
    await this.catalog.reload();
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

  private validate(input: unknown): PlatformBody {
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
    if (problems.length > 0)
      throw new CatalogError('validation_failed', 'the platform is not valid', problems);
    return body;
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
