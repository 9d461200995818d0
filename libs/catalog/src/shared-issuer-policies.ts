import type { EntityManager } from 'typeorm';
import { PolicyEntity } from '@fedbroker/persistence';
import type { AdapterRegistry, PlatformRegistration } from '@fedbroker/platforms';
import { conditionFactsOf } from '@fedbroker/policy';
import { sharedIssuerProblem } from './policy-warnings';

/**
 * The names of the stored policies of platform `platformId` that `platform` (its registration as a
 * write would leave it) would refuse under its shared-issuer rule; `except` are being replaced in
 * the same write and checked on their own. Empty when the platform serves one tenant.
 */
export async function unpinnedPolicies(
  manager: EntityManager,
  adapters: AdapterRegistry,
  platform: PlatformRegistration,
  platformId: string,
  except: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  if (!adapters.has(platform.kind)) return [];
  const pins = adapters.get(platform.kind).identityPins;
  if (pins.sharedIssuer(platform) === undefined) return [];
  const policies = await manager.getRepository(PolicyEntity).find({
    select: { name: true, condition: true },
    where: { platformId },
    order: { name: 'ASC' },
  });
  return policies
    .filter((policy) => !except.has(policy.name))
    .filter((policy) => {
      const facts = conditionFactsOf(policy.condition);
      return facts === undefined || sharedIssuerProblem(pins, platform, facts) !== undefined;
    })
    .map((policy) => policy.name);
}
