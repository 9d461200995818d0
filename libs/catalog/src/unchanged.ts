import type { PlatformEntity, PolicyEntity } from '@fedbroker/persistence';
import { canonicalJson } from './canonical-json';
import type { PolicyBody } from './catalog-schemas';
import { storedPolicyColumns, toPolicyColumns } from './policy-batch';

/** Whether a body would store what `row` holds (its platform aside): its write would change nothing. */
export function samePolicy(row: PolicyEntity, body: PolicyBody): boolean {
  return canonicalJson(storedPolicyColumns(row)) === canonicalJson(toPolicyColumns(body, row.platformId));
}

/** Whether `columns` are what `row` holds: a write of them would change nothing. */
export function samePlatform(row: PlatformEntity, columns: Partial<PlatformEntity>): boolean {
  const stored = Object.fromEntries(
    Object.keys(columns).map((key) => [key, row[key as keyof PlatformEntity] ?? null]),
  );
  return canonicalJson(stored) === canonicalJson(columns);
}
