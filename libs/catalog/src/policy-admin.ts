import type { DataSource, EntityManager } from 'typeorm';
import { PlatformEntity, PolicyEntity } from '@fedbroker/persistence';
import type { AdapterRegistry, PlatformKind } from '@fedbroker/platforms';
import { compilePolicy, PolicyCompileError, type PolicySchema } from '@fedbroker/policy';
import { Catalog } from './catalog';
import { CatalogError } from './catalog.error';
import { toPolicyRecord, type PolicyRecord } from './catalog-records';
import { parseBody, policyBodySchema, type PolicyBody } from './catalog-schemas';
import { policySchemaFor } from './policy-schema-for';
import { checkVersion, translateWriteError } from './write-rules';

/** Create, read, update and delete trust policies; a policy that does not compile is never stored. */
export class PolicyAdmin {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: Catalog,
    private readonly adapters: AdapterRegistry,
  ) {}

  async list(filter: { platform?: string } = {}): Promise<PolicyRecord[]> {
    const rows = await this.dataSource.getRepository(PolicyEntity).find({
      relations: { platform: true },
      where: filter.platform ? { platform: { name: filter.platform } } : {},
      order: { name: 'ASC' },
    });
    return rows.map((row) => toPolicyRecord(row, row.platform?.name ?? ''));
  }

  async get(name: string): Promise<PolicyRecord> {
    const row = await this.dataSource
      .getRepository(PolicyEntity)
      .findOne({ where: { name }, relations: { platform: true } });
    if (!row) throw new CatalogError('not_found', `policy ${name} does not exist`);
    return toPolicyRecord(row, row.platform?.name ?? '');
  }

  async create(input: unknown): Promise<PolicyRecord> {
    const body = validate(input);
    return this.write(async (manager) => {
      const platform = await findPlatform(manager, body.platform);
      this.compile(body, platform);
      const repository = manager.getRepository(PolicyEntity);
      const row = await repository.save(repository.create(toColumns(body, platform.id)));
      return toPolicyRecord(row, platform.name);
    });
  }

  async update(name: string, input: unknown, expectedVersions?: readonly number[]): Promise<PolicyRecord> {
    const body = validate(input);
    if (body.name !== name) {
      throw new CatalogError('validation_failed', 'the body does not match the resource', [
        { field: 'name', message: `must be ${name}; policies cannot be renamed` },
      ]);
    }
    return this.write(async (manager) => {
      const repository = manager.getRepository(PolicyEntity);
      const existing = await repository.findOne({ where: { name }, lock: { mode: 'pessimistic_write' } });
      if (!existing) throw new CatalogError('not_found', `policy ${name} does not exist`);
      checkVersion(existing.version, expectedVersions);
      const platform = await findPlatform(manager, body.platform);
      this.compile(body, platform);
      const row = await repository.save(repository.merge(existing, toColumns(body, platform.id)));
      return toPolicyRecord(row, platform.name);
    });
  }

  async delete(name: string, expectedVersions?: readonly number[]): Promise<void> {
    await this.write(async (manager) => {
      const repository = manager.getRepository(PolicyEntity);
      const existing = await repository.findOne({ where: { name }, lock: { mode: 'pessimistic_write' } });
      if (!existing) throw new CatalogError('not_found', `policy ${name} does not exist`);
      checkVersion(existing.version, expectedVersions);
      await repository.delete({ id: existing.id });
    });
  }

  /** Compiles against the platform kind's identity fields: a misspelt field is refused here. */
  private compile(body: PolicyBody, platform: PlatformEntity): void {
    const kind = platform.kind as PlatformKind;
    const schema = this.adapters.has(kind) ? policySchemaFor(this.adapters, kind) : undefined;
    compileOrRefuse(body, schema);
  }

  private async write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await this.dataSource.transaction(async (manager) => {
        const value = await work(manager);
        await Catalog.bumpVersion(manager);
        return value;
      });
    } catch (error) {
      throw translateWriteError(error);
    }
    await this.catalog.reload();
    return result;
  }
}

function validate(input: unknown): PolicyBody {
  const parsed = parseBody(policyBodySchema, input);
  if (!parsed.ok) throw new CatalogError('validation_failed', 'the policy is not valid', parsed.problems);
  compileOrRefuse(parsed.value, undefined);
  return parsed.value;
}

function compileOrRefuse(body: PolicyBody, schema: PolicySchema | undefined): void {
  try {
    compilePolicy({ ...body, subject: body.subject }, schema);
  } catch (error) {
    if (!(error instanceof PolicyCompileError)) throw error;
    throw new CatalogError(
      'validation_failed',
      'the policy does not compile',
      error.problems.map((p) => ({ field: p.field, message: `${p.expression}: ${p.message}` })),
      { cause: error },
    );
  }
}

async function findPlatform(manager: EntityManager, name: string): Promise<PlatformEntity> {
  const platform = await manager.getRepository(PlatformEntity).findOneBy({ name });
  if (!platform) {
    throw new CatalogError('validation_failed', 'the policy is not valid', [
      { field: 'platform', message: `no platform named ${name}` },
    ]);
  }
  return platform;
}

function toColumns(body: PolicyBody, platformId: string): Partial<PolicyEntity> {
  return {
    name: body.name,
    platformId,
    condition: body.condition,
    actorCondition: body.actorCondition ?? null,
    subject: body.subject ?? null,
    claims: body.claims,
    audiences: body.audiences,
    scopes: body.scopes,
    ttlSeconds: body.ttlSeconds,
    priority: body.priority,
    enabled: body.enabled,
  };
}
