import {
  mayBothHold,
  rankOrder,
  type CompiledPolicy,
  type ConditionFacts,
  type PolicySet,
} from '@fedbroker/policy';

/** What deciding whether one policy takes exchanges from another needs to know of each. */
export interface RankedCondition {
  definition: Pick<CompiledPolicy['definition'], 'name' | 'priority' | 'enabled' | 'mode' | 'expiresAt'>;
  facts: ConditionFacts;
}

/** How many taken policies a write's warnings name; past it, one more warning says there are more. */
export const NAMED_TAKEOVERS = 5;

/**
 * Which policies of one platform a written policy takes exchanges from, found through the
 * platform's {@link PolicySet} (built once per catalog snapshot, as `/token` uses it), so that a
 * write costs what its own pins select, not a pass over every policy.
 *
 * A policy P takes exchanges from Q when both grant today (enabled, `enforce`, not expired), P
 * ranks above Q, and their conditions may both hold: an approximation from their top-level pins
 * ({@link mayBothHold}), which errs towards warning.
 */
export class TakeoverIndex {
  constructor(
    private readonly policies: PolicySet,
    private readonly now: Date,
  ) {}

  /**
   * The names of the policies `candidate` takes exchanges from and `before` (the candidate as
   * stored, for an update) did not, ranked, at most `limit` of them.
   */
  takenBy(candidate: RankedCondition, before: RankedCondition | undefined, limit: number): string[] {
    if (!grantsToday(candidate, this.now)) return [];
    const beforeGrants = before !== undefined && grantsToday(before, this.now);
    const taken: string[] = [];
    for (const other of this.policies.overlapping(candidate.facts.pins)) {
      if (taken.length >= limit) break;
      if (other.definition.name === candidate.definition.name || !takes(candidate, other)) continue;
      if (!grantsToday(other, this.now)) continue;
      if (beforeGrants && takes(before, other)) continue;
      taken.push(other.definition.name);
    }
    return taken;
  }
}

function grantsToday(policy: RankedCondition, now: Date): boolean {
  const { enabled, mode = 'enforce', expiresAt } = policy.definition;
  return enabled && mode === 'enforce' && (expiresAt === undefined || expiresAt.getTime() > now.getTime());
}

function takes(policy: RankedCondition, other: RankedCondition): boolean {
  return rankOrder(policy.definition, other.definition) < 0 && mayBothHold(policy.facts, other.facts);
}
