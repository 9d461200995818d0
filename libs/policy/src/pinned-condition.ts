import type { ConditionFacts } from './condition-facts';
import { identityKey } from './identity-key';

/**
 * The value of a condition made of pins only (`identity.f == 'v' && identity.g in ['w', 'x']`),
 * read from the identity's keys without running CEL; undefined when the condition has other
 * conjuncts or a pinned field is absent or keyed `uncertain`, where CEL decides (and names the
 * error). Keys are equal exactly when CEL finds the values equal (see {@link identityKey}), so the
 * value is the one CEL gives.
 */
export function pinnedConditionValue(
  facts: ConditionFacts,
  identity: Readonly<Record<string, unknown>>,
): boolean | undefined {
  if (!facts.pinnedOnly) return undefined;
  let value = true;
  for (const [field, values] of facts.pins) {
    const key = identityKey(identity, field);
    if (key.kind !== 'value') return undefined;
    if (!values.has(key.key)) value = false;
  }
  return value;
}
