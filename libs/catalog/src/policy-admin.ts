import type { DataSource, EntityManager } from 'typeorm';
import type { ChangeAction, ChangeLog } from '@fedbroker/history';
import { PlatformEntity, PolicyEntity } from '@fedbroker/persistence';
import type { AdapterRegistry, PlatformKind } from '@fedbroker/platforms';
import type { CompiledPolicy, PolicyTestResult } from '@fedbroker/policy';
import { Catalog, type CompiledVersion } from './catalog';
import { CatalogError, type FieldProblem } from './catalog.error';
import { toPlatformRecord, toPolicyRecord, type PolicyRecord } from './catalog-records';
import { deletePolicy, lockPolicyNamed, platformNamed } from './catalog-rows';
import { parseBody, requirePossibleName, policyBodySchema, type PolicyBody } from './catalog-schemas';
import { policyView } from './catalog-views';
import { applyMergePatch } from './json-merge-patch';
import { insertPolicies, toPolicyColumns, updatePolicies } from './policy-batch';
import { checkPolicy } from './policy-check';
import { PolicyRules, takeoverWarnings } from './policy-rules';
import type { PolicyWarning } from './policy-warnings';
import { withoutReadOnlyMembers } from './read-only-members';
import { TakeoverIndex } from './takeover-index';
import { samePolicy } from './unchanged';
import { checkVersion, translateWriteError } from './write-rules';

export interface PolicyAdminOptions {
  adapters: AdapterRegistry;
  /** Where every write is recorded, in the write's transaction. */
  changes: ChangeLog;
  /** `FEDBROKER_MAX_TTL_SECONDS`: a longer `ttlSeconds` is saved with a warning. */
  maxTtlSeconds: number;
  now: () => Date;
}

/** A policy write's answer: the policy as stored and what it was warned about. */
export interface PolicyWrite {
  policy: PolicyRecord;
  warnings: PolicyWarning[];
}

/** What a save of a policy body would answer: the problems it would be refused for, or its warnings. */
export interface PolicyValidation {
  errors: FieldProblem[];
  warnings: PolicyWarning[];
}

/** What a write's answer adds to the policy; sent back with PUT it is ignored. */
const WRITE_REPORTS = ['warnings'];

/**
 * Create, read, update and delete trust policies. A policy is stored only if it compiles against
 * its platform kind's fields, meets the platform's shared-issuer rule and passes its own tests; a
 * write is answered with warnings about what it will not do as it seems to say; every write is
 * recorded with its actor.
 */
export class PolicyAdmin {
  private readonly rules: PolicyRules;
  private readonly changes: ChangeLog;
  private readonly adapters: AdapterRegistry;

  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: Catalog,
    options: PolicyAdminOptions,
  ) {
    this.rules = new PolicyRules(options);
    this.changes = options.changes;
    this.adapters = options.adapters;
  }

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

  /**
   * What a save of `input` would answer, found without saving anything: every problem it would be
   * refused for, or when it would be saved, its warnings. A body that is not yet a policy (a member
   * missing, an unknown platform) still has its expressions compiled, so that all its problems show
   * at once. Names are not compared with other policies'.
   */
  async validate(input: unknown): Promise<PolicyValidation> {
    const parsed = parseBody(policyBodySchema, input);
    const platform = parsed.ok
      ? await this.dataSource.getRepository(PlatformEntity).findOneBy({ name: parsed.value.platform })
      : null;
    if (!parsed.ok || !platform) {
      return { errors: await checkPolicy(this.dataSource, this.adapters, input), warnings: [] };
    }
    const checked = this.rules.check(parsed.value, toPlatformRecord(platform));
    if (!checked.ok) return { errors: checked.problems, warnings: [] };
    const stored = this.loaded(platform.id, parsed.value.name);
    return {
      errors: [],
      warnings: [...checked.warnings, ...this.takeovers(platform, checked.compiled, stored)],
    };
  }

  async create(input: unknown, actor: string): Promise<PolicyWrite> {
    const body = validate(input);
    return this.write(body.name, async (manager, compiled) => {
      const platform = await findPlatform(manager, body.platform);
      const checked = this.check(body, platform);
      const columns = toPolicyColumns(body, platform.id);
      const [written] = await insertPolicies(manager, [columns]);
      const row = { ...columns, ...written! };
      compiled.push(compiledVersion(row, platform, checked.compiled));
      const created = toPolicyRecord(row, platform.name);
      await this.record(manager, actor, 'create', undefined, created);
      return {
        policy: created,
        warnings: [...checked.warnings, ...this.takeovers(platform, checked.compiled)],
      };
    });
  }

  /** Runs the tests a stored policy carries, against the policy and its platform as stored. */
  async runTests(name: string): Promise<PolicyTestResult[]> {
    const policy = await this.get(name);
    const platform = await this.dataSource.getRepository(PlatformEntity).findOneBy({ name: policy.platform });
    if (!platform) throw new CatalogError('not_found', `platform ${policy.platform} does not exist`);
    const body = validate(withoutReadOnlyMembers(policyView(policy), policy));
    const compiled = this.rules.compileStored(body, toPlatformRecord(platform));
    if (Array.isArray(compiled)) {
      throw new CatalogError('validation_failed', 'the stored policy no longer compiles', compiled);
    }
    return this.rules.runTests(compiled, body, toPlatformRecord(platform));
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
      const { row: existing, platformName } = await lockByName(manager, name);
      checkVersion(existing.version, expectedVersions);
      const before = toPolicyRecord(existing, platformName);
      await deletePolicy(manager, existing.id);
      await this.record(manager, actor, 'delete', before, undefined);
    });
  }

  private replace(
    name: string,
    expectedVersions: readonly number[] | undefined,
    actor: string,
    bodyFor: (current: Record<string, unknown>) => unknown,
  ): Promise<PolicyWrite> {
    requirePossibleName('policy', name);
    return this.write(name, async (manager, compiled) => {
      const { row: existing, platformName } = await lockByName(manager, name);
      checkVersion(existing.version, expectedVersions);
      const before = structuredClone(toPolicyRecord(existing, platformName));
      const body = validate(withoutReadOnlyMembers(bodyFor(policyView(before)), existing, WRITE_REPORTS));
      if (body.name !== name) {
        throw new CatalogError('validation_failed', 'the body does not match the resource', [
          { field: 'name', message: `must be ${name}; policies cannot be renamed` },
        ]);
      }
      const platform = await findPlatform(manager, body.platform);
      const checked = this.check(body, platform);
      const row = await updateUnlessSame(manager, existing, body, platform.id);
      compiled.push(compiledVersion(row, platform, checked.compiled));
      const after = toPolicyRecord(row, platform.name);
      if (after.version !== before.version) await this.record(manager, actor, 'update', before, after);
      const stored = this.loaded(existing.platformId, name);
      return {
        policy: after,
        warnings: [...checked.warnings, ...this.takeovers(platform, checked.compiled, stored)],
      };
    });
  }

  /** The rules every save meets, or the write is refused listing every problem. */
  private check(body: PolicyBody, platform: PlatformEntity) {
    const checked = this.rules.check(body, toPlatformRecord(platform));
    if (!checked.ok) throw new CatalogError('validation_failed', 'the policy is not valid', checked.problems);
    return checked;
  }

  /** Warnings for the exchanges `compiled` takes from the policies of its platform loaded today. */
  private takeovers(
    platform: PlatformEntity,
    compiled: CompiledPolicy,
    before?: CompiledPolicy,
  ): PolicyWarning[] {
    const index = new TakeoverIndex(this.catalog.snapshot().policySetFor(platform.id), this.rules.now());
    return takeoverWarnings(index, compiled, before);
  }

  private loaded(platformId: string, name: string): CompiledPolicy | undefined {
    return this.catalog
      .snapshot()
      .policiesFor(platformId)
      .find((policy) => policy.definition.name === name);
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

  /** Runs `work` in a transaction that bumps the catalog; what it compiled is handed to the reload. */
  private async write<T>(
    name: string,
    work: (manager: EntityManager, compiled: CompiledVersion[]) => Promise<T>,
  ): Promise<T> {
    let result: T;
    const compiled: CompiledVersion[] = [];
    try {
      result = await this.dataSource.transaction(async (manager) => {
        const value = await work(manager, compiled);
        await Catalog.bumpVersion(manager, this.catalog.origin);
        return value;
      });
    } catch (error) {
      throw translateWriteError(error, { resource: 'policy', name });
    }
    this.catalog.adopt(compiled);
    await this.catalog.reload();
    return result;
  }
}

function compiledVersion(
  row: PolicyEntity,
  platform: PlatformEntity,
  policy: CompiledPolicy,
): CompiledVersion {
  return { id: row.id, version: row.version, kind: platform.kind as PlatformKind, policy };
}

function validate(input: unknown): PolicyBody {
  const parsed = parseBody(policyBodySchema, input);
  if (!parsed.ok) throw new CatalogError('validation_failed', 'the policy is not valid', parsed.problems);
  return parsed.value;
}

async function lockByName(
  manager: EntityManager,
  name: string,
): Promise<{ row: PolicyEntity; platformName: string }> {
  const existing = await lockPolicyNamed(manager, name);
  if (!existing) throw new CatalogError('not_found', `policy ${name} does not exist`);
  return existing;
}

/** `existing` as `body` stores it: updated, with a new version, unless that would change nothing. */
async function updateUnlessSame(
  manager: EntityManager,
  existing: PolicyEntity,
  body: PolicyBody,
  platformId: string,
): Promise<PolicyEntity> {
  if (existing.platformId === platformId && samePolicy(existing, body)) return existing;
  const columns = toPolicyColumns(body, platformId);
  const [written] = await updatePolicies(manager, [{ ...columns, id: existing.id }]);
  return { ...existing, ...columns, ...written! };
}

async function findPlatform(manager: EntityManager, name: string): Promise<PlatformEntity> {
  const platform = await platformNamed(manager, name);
  if (!platform) {
    throw new CatalogError('validation_failed', 'the policy is not valid', [
      { field: 'platform', message: `no platform named ${name}` },
    ]);
  }
  return platform;
}
