import { In, type DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import type { AdminChange, ChangeLog } from '@fedbroker/history';
import { PlatformEntity, PolicyEntity } from '@fedbroker/persistence';
import type { PlatformKind, PlatformRegistration } from '@fedbroker/platforms';
import type { CompiledPolicy } from '@fedbroker/policy';
import {
  MAX_APPLIED_PLATFORMS,
  MAX_APPLIED_POLICIES,
  prefixed,
  readPolicies,
  refusal,
  repeatedNames,
  unreadNames,
  type Item,
} from './apply-items';
import { Catalog, type CompiledVersion } from './catalog';
import { CatalogError, type FieldProblem } from './catalog.error';
import { toPlatformRecord, toPolicyRecord } from './catalog-records';
import { parseBody, type PlatformBody, type PolicyBody } from './catalog-schemas';
import { platformView, policyView } from './catalog-views';
import { UNIQUE_VIOLATION, violatedConstraint } from './database-errors';
import { lockRoutes, type PlatformAdmin } from './platform-admin';
import { platformClashWith } from './platform-clash';
import {
  insertPolicies,
  toPolicyColumns,
  updatePolicies,
  type PolicyColumns,
  type WrittenRow,
} from './policy-batch';
import { PolicyRules, takeoverWarnings, type PolicyRulesOptions } from './policy-rules';
import type { PolicyWarning } from './policy-warnings';
import { unpinnedPolicies } from './shared-issuer-policies';
import { TakeoverIndex } from './takeover-index';
import { TimeSlicer } from './time-slicer';
import { samePlatform, samePolicy } from './unchanged';

const applyBodySchema = z.strictObject({
  platforms: z.array(z.unknown()).max(MAX_APPLIED_PLATFORMS).default([]),
  policies: z.array(z.unknown()).max(MAX_APPLIED_POLICIES).default([]),
});

export interface CatalogApplyOptions extends PolicyRulesOptions {
  /** Where every created or updated resource is recorded, in the apply's transaction. */
  changes: ChangeLog;
}

/** A resource an apply named. */
export interface AppliedResource {
  resource: 'platform' | 'policy';
  name: string;
}

/** What an apply did with each resource it named, in the order given (platforms first). */
export interface ApplyResult {
  created: AppliedResource[];
  updated: AppliedResource[];
  unchanged: AppliedResource[];
  /** The policies' warnings, each `field` prefixed with the item's path (`policies.3.ttlSeconds`). */
  warnings: PolicyWarning[];
}

/** A policy of the apply that changes, once checked. */
interface PolicyChange extends Item<PolicyBody> {
  compiled: CompiledPolicy;
  warnings: PolicyWarning[];
  existing: PolicyEntity | undefined;
}

/**
 * `POST /admin/v1/apply`: creates or updates platforms and policies by name, all or nothing, in one
 * transaction with one catalog change. Every item is checked as its own write would be (a platform's
 * registration and routes; a policy's compilation, shared-issuer rule and tests); the problems of
 * every item are reported together and nothing is applied. Policies are written with a few
 * multi-row statements and compiled once: the catalog reload that follows reuses them.
 */
export class CatalogApply {
  private readonly rules: PolicyRules;

  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: Catalog,
    private readonly platforms: PlatformAdmin,
    private readonly options: CatalogApplyOptions,
  ) {
    this.rules = new PolicyRules(options);
  }

  async apply(input: unknown, actor: string): Promise<ApplyResult> {
    const envelope = parseBody(applyBodySchema, input);
    if (!envelope.ok) throw refusal(envelope.problems);
    const problems: FieldProblem[] = [];
    const slicer = new TimeSlicer();
    const platforms = await this.readPlatforms(envelope.value.platforms, problems);
    const policies = await readPolicies(envelope.value.policies, problems, slicer);
    problems.push(...repeatedNames('platforms', platforms), ...repeatedNames('policies', policies));
    const unread = unreadNames(envelope.value.platforms, platforms);

    const compiled: CompiledVersion[] = [];
    let result: ApplyResult;
    try {
      result = await this.dataSource.transaction(async (manager) => {
        const applied = await this.applyIn(
          manager,
          { platforms, policies, unread, problems },
          actor,
          compiled,
          slicer,
        );
        if (applied.created.length + applied.updated.length > 0)
          await Catalog.bumpVersion(manager, this.catalog.origin);
        return applied;
      });
    } catch (error) {
      if (violatedConstraint(error)?.code !== UNIQUE_VIOLATION) throw error;
      throw new CatalogError(
        'conflict',
        'another write created a resource this apply creates; apply again',
        [],
        {
          cause: error,
        },
      );
    }
    if (result.created.length + result.updated.length === 0) return result;
    this.catalog.adopt(compiled);
    await this.catalog.reload();
    return result;
  }

  private async readPlatforms(
    items: readonly unknown[],
    problems: FieldProblem[],
  ): Promise<Item<PlatformBody>[]> {
    const read = await Promise.all(
      items.map(async (item, index) => {
        try {
          return { index, body: await this.platforms.validate(item) };
        } catch (error) {
          if (!(error instanceof CatalogError) || error.code !== 'validation_failed') throw error;
          problems.push(...prefixed(`platforms.${index}`, error.problems));
          return undefined;
        }
      }),
    );
    return read.filter((item) => item !== undefined);
  }

  /**
   * Checks the items read against the database, adding to `read.problems` (those found reading),
   * and writes them when there are none.
   */
  private async applyIn(
    manager: EntityManager,
    read: {
      platforms: readonly Item<PlatformBody>[];
      policies: readonly Item<PolicyBody>[];
      /** Names of platform items that could not be read: policies on them are not checked. */
      unread: ReadonlySet<string>;
      problems: FieldProblem[];
    },
    actor: string,
    compiled: CompiledVersion[],
    slicer: TimeSlicer,
  ): Promise<ApplyResult> {
    const { platforms: platformItems, policies: policyItems, unread, problems } = read;
    await lockRoutes(manager);
    const platformRepository = manager.getRepository(PlatformEntity);
    const referenced = [
      ...new Set([...platformItems.map((i) => i.body.name), ...policyItems.map((i) => i.body.platform)]),
    ];
    await platformRepository.find({ where: { name: In(referenced) }, lock: { mode: 'pessimistic_write' } });
    const storedPlatforms = new Map((await platformRepository.find()).map((row) => [row.name, row]));
    const storedPolicies = await lockPolicies(
      manager,
      policyItems.map((item) => item.body.name),
    );

    const result: ApplyResult = { created: [], updated: [], unchanged: [], warnings: [] };
    const finalPlatforms = new Map<string, PlatformRegistration>(
      [...storedPlatforms.values()].map((row) => [row.name, toPlatformRecord(row)]),
    );
    const changedPlatforms: Item<PlatformBody>[] = [];
    for (const item of platformItems) {
      const stored = storedPlatforms.get(item.body.name);
      finalPlatforms.set(item.body.name, this.platforms.toConfigShape(item.body));
      if (stored !== undefined && samePlatform(stored, this.platforms.toColumns(item.body))) {
        result.unchanged.push({ resource: 'platform', name: item.body.name });
      } else {
        changedPlatforms.push(item);
      }
    }
    const platformOrder = [...finalPlatforms.keys()].sort();
    for (const item of changedPlatforms) {
      problems.push(...(await this.routeProblems(item, finalPlatforms, platformOrder)));
    }

    const platformNames = new Map([...storedPlatforms.values()].map((row) => [row.id, row.name]));
    const changedPolicies: PolicyChange[] = [];
    /** Policies checked here, against the platform as the apply leaves it, whether they passed or not. */
    const checkedNames = new Set<string>();
    for (const item of policyItems) {
      await slicer.pause();
      const existing = storedPolicies.get(item.body.name);
      const platform = finalPlatforms.get(item.body.platform);
      if (platform === undefined && unread.has(item.body.platform)) continue;
      if (platform === undefined) {
        problems.push({
          field: `policies.${item.index}.platform`,
          message: `no platform named ${item.body.platform}`,
        });
        continue;
      }
      const storedPlatform = existing && platformNames.get(existing.platformId);
      if (existing && storedPlatform === item.body.platform && samePolicy(existing, item.body)) {
        result.unchanged.push({ resource: 'policy', name: item.body.name });
        continue;
      }
      checkedNames.add(item.body.name);
      const checked = this.rules.check(item.body, platform);
      if (!checked.ok) problems.push(...prefixed(`policies.${item.index}`, checked.problems));
      else
        changedPolicies.push({ ...item, compiled: checked.compiled, warnings: checked.warnings, existing });
    }
    for (const item of changedPlatforms) {
      const stored = storedPlatforms.get(item.body.name);
      if (stored === undefined) continue;
      const shape = this.platforms.toConfigShape(item.body);
      const names = await unpinnedPolicies(manager, this.options.adapters, shape, stored.id, checkedNames);
      if (names.length > 0) {
        problems.push({
          field: `platforms.${item.index}.issuer`,
          message: `would take the credentials of many tenants, and policies ${names.join(', ')} pin no tenant field`,
        });
      }
    }
    if (problems.length > 0) throw refusal(problems);

    const changes: AdminChange[] = [];
    const platformIds = new Map([...storedPlatforms.values()].map((row) => [row.name, row.id]));
    for (const item of changedPlatforms) {
      const stored = storedPlatforms.get(item.body.name);
      const before = stored && structuredClone(stored);
      const row = await platformRepository.save(
        stored
          ? platformRepository.merge(stored, this.platforms.toColumns(item.body))
          : platformRepository.create(this.platforms.toColumns(item.body)),
      );
      platformIds.set(row.name, row.id);
      (before ? result.updated : result.created).push({ resource: 'platform', name: row.name });
      changes.push(platformChange(actor, before, row));
    }
    const kinds = new Map([...finalPlatforms].map(([name, platform]) => [name, platform.kind]));
    await this.writePolicies(
      manager,
      changedPolicies,
      { platformIds, kinds },
      actor,
      { changes, compiled, result },
      slicer,
    );
    await this.options.changes.recordAll(manager, changes);
    return result;
  }

  private async writePolicies(
    manager: EntityManager,
    items: readonly PolicyChange[],
    platforms: { platformIds: ReadonlyMap<string, string>; kinds: ReadonlyMap<string, PlatformKind> },
    actor: string,
    out: { changes: AdminChange[]; compiled: CompiledVersion[]; result: ApplyResult },
    slicer: TimeSlicer,
  ): Promise<void> {
    const { changes, compiled, result } = out;
    const { platformIds, kinds } = platforms;
    const columnsOf = (item: PolicyChange): PolicyColumns =>
      toPolicyColumns(item.body, platformIds.get(item.body.platform) ?? '');
    const created = items.filter((item) => item.existing === undefined);
    const updated = items.filter((item) => item.existing !== undefined);
    const written = new Map<string, WrittenRow>();
    for (const row of await insertPolicies(manager, created.map(columnsOf))) written.set(row.name, row);
    const updates = updated.map((item) => ({ ...columnsOf(item), id: item.existing?.id ?? '' }));
    for (const row of await updatePolicies(manager, updates)) written.set(row.name, row);

    const takeovers = new Map<string, { index: TakeoverIndex; stored: Map<string, CompiledPolicy> }>();
    const platformNames = new Map([...platformIds].map(([name, id]) => [id, name]));
    for (const item of items) {
      await slicer.pause();
      const row = written.get(item.body.name);
      const platformId = platformIds.get(item.body.platform) ?? '';
      if (row === undefined) throw new Error(`policy ${item.body.name} was not written`);
      compiled.push({
        id: row.id,
        version: row.version,
        kind: kinds.get(item.body.platform),
        policy: item.compiled,
      });
      const after = toPolicyRecord({ ...columnsOf(item), ...row }, item.body.platform);
      const before =
        item.existing && toPolicyRecord(item.existing, platformNames.get(item.existing.platformId) ?? '');
      (before ? result.updated : result.created).push({ resource: 'policy', name: row.name });
      changes.push({
        actor,
        action: before ? 'update' : 'create',
        resource: 'policy',
        name: row.name,
        version: row.version,
        before: before ? policyView(before) : null,
        after: policyView(after),
      });
      let platform = takeovers.get(platformId);
      if (platform === undefined) {
        const snapshot = this.catalog.snapshot();
        const loaded = snapshot.policiesFor(platformId);
        platform = {
          index: new TakeoverIndex(snapshot.policySetFor(platformId), this.rules.now()),
          stored: new Map(loaded.map((policy) => [policy.definition.name, policy])),
        };
        takeovers.set(platformId, platform);
      }
      const stored = platform.stored.get(item.body.name);
      const warnings = [...item.warnings, ...takeoverWarnings(platform.index, item.compiled, stored)];
      result.warnings.push(...warnings.map((w) => ({ ...w, field: `policies.${item.index}.${w.field}` })));
    }
  }

  /** A platform the broker could not tell apart from another of the final set, the first in `order`. */
  private async routeProblems(
    item: Item<PlatformBody>,
    finalPlatforms: ReadonlyMap<string, PlatformRegistration>,
    order: readonly string[],
  ): Promise<FieldProblem[]> {
    const { adapters } = this.options;
    const mine = this.platforms.toConfigShape(item.body);
    const clashWith = platformClashWith(adapters, mine);
    for (const name of order) {
      const other = finalPlatforms.get(name);
      if (other === undefined || name === mine.name || !adapters.has(other.kind)) continue;
      const clash = await clashWith(other);
      if (clash !== undefined) {
        return [
          {
            field: `platforms.${item.index}.${clash.field}`,
            message: `platform ${name} also ${clash.reason}: the broker could not tell the two apart`,
          },
        ];
      }
    }
    return [];
  }
}

async function lockPolicies(
  manager: EntityManager,
  names: readonly string[],
): Promise<Map<string, PolicyEntity>> {
  const rows: PolicyEntity[] = [];
  for (let start = 0; start < names.length; start += 10_000) {
    rows.push(
      ...(await manager.getRepository(PolicyEntity).find({
        where: { name: In(names.slice(start, start + 10_000)) },
        lock: { mode: 'pessimistic_write' },
      })),
    );
  }
  return new Map(rows.map((row) => [row.name, row]));
}

function platformChange(
  actor: string,
  before: PlatformEntity | undefined,
  after: PlatformEntity,
): AdminChange {
  return {
    actor,
    action: before ? 'update' : 'create',
    resource: 'platform',
    name: after.name,
    version: after.version,
    before: before ? platformView(toPlatformRecord(before)) : null,
    after: platformView(toPlatformRecord(after)),
  };
}
