import type { DataSource, EntityManager, Repository } from 'typeorm';
import type { ChangeAction, ChangeLog } from '@fedbroker/history';
import { PlatformEntity, PolicyEntity } from '@fedbroker/persistence';
import type { AdapterRegistry, PlatformKind } from '@fedbroker/platforms';
import { compilePolicy, PolicyCompileError, type PolicySchema } from '@fedbroker/policy';
import { Catalog } from './catalog';
import { CatalogError } from './catalog.error';
import { toPolicyRecord, type PolicyRecord } from './catalog-records';
import { parseBody, requirePossibleName, policyBodySchema, type PolicyBody } from './catalog-schemas';
import { policyView } from './catalog-views';
import { applyMergePatch } from './json-merge-patch';
import { policySchemaFor } from './policy-schema-for';
import { withoutReadOnlyMembers } from './read-only-members';
import { checkVersion, translateWriteError } from './write-rules';

/**
 * Create, read, update and delete trust policies; a policy that does not compile is never stored,
 * and every write is recorded with its actor.
 */
export class PolicyAdmin {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: Catalog,
    private readonly adapters: AdapterRegistry,
    private readonly changes: ChangeLog,
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
    requirePossibleName('policy', name);
    const row = await this.dataSource
      .getRepository(PolicyEntity)
      .findOne({ where: { name }, relations: { platform: true } });
    if (!row) throw new CatalogError('not_found', `policy ${name} does not exist`);
    return toPolicyRecord(row, row.platform?.name ?? '');
  }

  async create(input: unknown, actor: string): Promise<PolicyRecord> {
    const body = validate(input);
    return this.write(body.name, async (manager) => {
      const platform = await findPlatform(manager, body.platform);
      this.compile(body, platform);
      const repository = manager.getRepository(PolicyEntity);
      const row = await repository.save(repository.create(toColumns(body, platform.id)));
      const created = toPolicyRecord(row, platform.name);
      await this.record(manager, actor, 'create', undefined, created);
      return created;
    });
  }

  /** Replaces the policy with `input`, which may carry the read-only members GET shows. */
  update(name: string, input: unknown, expectedVersions: readonly number[] | undefined, actor: string) {
    return this.replace(name, expectedVersions, actor, () => input);
  }

  /** Applies a JSON merge patch (RFC 7396) to the policy as GET shows it. */
  patch(name: string, patch: unknown, expectedVersions: readonly number[] | undefined, actor: string) {
    return this.replace(name, expectedVersions, actor, (current) => applyMergePatch(current, patch));
  }

  async delete(name: string, expectedVersions: readonly number[] | undefined, actor: string): Promise<void> {
    requirePossibleName('policy', name);
    await this.write(name, async (manager) => {
      const repository = manager.getRepository(PolicyEntity);
      const existing = await lockByName(repository, name);
      checkVersion(existing.version, expectedVersions);
      const before = await withPlatformName(manager, existing);
      await repository.delete({ id: existing.id });
      await this.record(manager, actor, 'delete', before, undefined);
    });
  }

  private replace(
    name: string,
    expectedVersions: readonly number[] | undefined,
    actor: string,
    bodyFor: (current: Record<string, unknown>) => unknown,
  ): Promise<PolicyRecord> {
    requirePossibleName('policy', name);
    return this.write(name, async (manager) => {
      const repository = manager.getRepository(PolicyEntity);
      const existing = await lockByName(repository, name);
      checkVersion(existing.version, expectedVersions);
      const before = structuredClone(await withPlatformName(manager, existing));
      const body = validate(withoutReadOnlyMembers(bodyFor(policyView(before)), existing));
      if (body.name !== name) {
        throw new CatalogError('validation_failed', 'the body does not match the resource', [
          { field: 'name', message: `must be ${name}; policies cannot be renamed` },
        ]);
      }
      const platform = await findPlatform(manager, body.platform);
      this.compile(body, platform);
      const row = await repository.save(repository.merge(existing, toColumns(body, platform.id)));
      const after = toPolicyRecord(row, platform.name);
      if (after.version !== before.version) await this.record(manager, actor, 'update', before, after);
      return after;
    });
  }

  /** Compiles against the platform kind's identity fields: a misspelt field is refused here. */
  private compile(body: PolicyBody, platform: PlatformEntity): void {
    const kind = platform.kind as PlatformKind;
    const schema = this.adapters.has(kind) ? policySchemaFor(this.adapters, kind) : undefined;
    compileOrRefuse(body, schema);
  }

  private record(
    manager: EntityManager,
    actor: string,
    action: ChangeAction,
    before: PolicyRecord | undefined,
    after: PolicyRecord | undefined,
  ): Promise<void> {
    const subject = after ?? before;
    return this.changes.record(manager, {
      actor,
      action,
      resource: 'policy',
      name: subject?.name ?? '',
      version: subject?.version ?? null,
      before: before ? policyView(before) : null,
      after: after ? policyView(after) : null,
    });
  }

  private async write<T>(name: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await this.dataSource.transaction(async (manager) => {
        const value = await work(manager);
        await Catalog.bumpVersion(manager);
        return value;
      });
    } catch (error) {
      throw translateWriteError(error, { resource: 'policy', name });
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

async function lockByName(repository: Repository<PolicyEntity>, name: string): Promise<PolicyEntity> {
  const existing = await repository.findOne({ where: { name }, lock: { mode: 'pessimistic_write' } });
  if (!existing) throw new CatalogError('not_found', `policy ${name} does not exist`);
  return existing;
}

/** The stored policy as a record, with its platform's name. */
async function withPlatformName(manager: EntityManager, row: PolicyEntity): Promise<PolicyRecord> {
  const platform = await manager.getRepository(PlatformEntity).findOneBy({ id: row.platformId });
  return toPolicyRecord(row, platform?.name ?? '');
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
    oneTimeUse: body.oneTimeUse ?? null,
  };
}
