import { COMMON_IDENTITY_FIELDS, type AdapterRegistry, type PlatformKind } from '@fedbroker/platforms';
import type { PolicySchema } from '@fedbroker/policy';

/**
 * What a policy of a `kind` platform may read: that kind's identity fields, and for `actor` the
 * fields of every kind served (the actor token may come from any platform).
 */
export function policySchemaFor(adapters: AdapterRegistry, kind: PlatformKind): PolicySchema {
  const actor = Object.assign(
    {},
    COMMON_IDENTITY_FIELDS,
    ...adapters.kinds().map((k) => adapters.get(k).identityFields),
  ) as PolicySchema['actor'];
  return {
    kind,
    identity: { ...COMMON_IDENTITY_FIELDS, ...adapters.get(kind).identityFields },
    actor,
  };
}
