import { mayBothHold, rankOrder, type CompiledPolicy, type ConditionFacts } from '@fedbroker/policy';

/** What deciding whether one policy takes exchanges from another needs to know of each. */
export interface RankedCondition {
  definition: Pick<CompiledPolicy['definition'], 'name' | 'priority' | 'enabled' | 'mode' | 'expiresAt'>;
  facts: ConditionFacts;
}

/** How many taken policies a write's warnings name; past it, one more warning says there are more. */
export const NAMED_TAKEOVERS = 5;

/**
 * The policies of one platform as they serve exchanges today, indexed by their pins so that many
 * writes are checked against many policies without comparing every pair.
 *
 * A policy P takes exchanges from Q when both grant today (enabled, `enforce`, not expired), P
 * ranks above Q, and their conditions may both hold: an approximation from their top-level pins
 * ({@link mayBothHold}), which errs towards warning.
 */
export class TakeoverIndex {
  private readonly active: RankedCondition[];
  private readonly unpinned = new Map<string, RankedCondition[]>();
  private readonly byValue = new Map<string, Map<string, RankedCondition[]>>();

  private readonly byName: ReadonlyMap<string, RankedCondition>;

  constructor(
    policies: Iterable<RankedCondition>,
    private readonly now: Date,
  ) {
    const all = [...policies];
    this.byName = new Map(all.map((policy) => [policy.definition.name, policy]));
    this.active = all.filter((policy) => grantsToday(policy, now));
    const fields = new Set(this.active.flatMap((policy) => [...policy.facts.pins.keys()]));
    for (const field of fields) {
      const values = new Map<string, RankedCondition[]>();
      const unpinned: RankedCondition[] = [];
      for (const policy of this.active) {
        const pinned = policy.facts.pins.get(field);
        if (pinned === undefined) unpinned.push(policy);
        for (const value of pinned ?? []) values.set(value, [...(values.get(value) ?? []), policy]);
      }
      this.byValue.set(field, values);
      this.unpinned.set(field, unpinned);
    }
  }

  /** The indexed policy of that name, granting today or not. */
  named(name: string): RankedCondition | undefined {
    return this.byName.get(name);
  }

  /**
   * The names of the policies `candidate` takes exchanges from and `before` (the candidate as
   * stored, for an update) did not, ranked, at most `limit` of them.
   */
  takenBy(candidate: RankedCondition, before: RankedCondition | undefined, limit: number): string[] {
    if (!grantsToday(candidate, this.now)) return [];
    const taken: RankedCondition[] = [];
    for (const other of this.candidatesFor(candidate)) {
      if (other.definition.name === candidate.definition.name || !takes(candidate, other)) continue;
      if (before !== undefined && grantsToday(before, this.now) && takes(before, other)) continue;
      taken.push(other);
    }
    return taken
      .sort((a, b) => rankOrder(a.definition, b.definition))
      .slice(0, limit)
      .map((policy) => policy.definition.name);
  }

  /** The policies not ruled out by the candidate's most selective pin. */
  private candidatesFor(candidate: RankedCondition): Iterable<RankedCondition> {
    let best: RankedCondition[] | undefined;
    for (const [field, values] of candidate.facts.pins) {
      const byValue = this.byValue.get(field);
      const matching = [
        ...(this.unpinned.get(field) ?? this.active),
        ...[...values].flatMap((value) => byValue?.get(value) ?? []),
      ];
      if (best === undefined || matching.length < best.length) best = matching;
    }
    return new Set(best ?? this.active);
  }
}

function grantsToday(policy: RankedCondition, now: Date): boolean {
  const { enabled, mode = 'enforce', expiresAt } = policy.definition;
  return enabled && mode === 'enforce' && (expiresAt === undefined || expiresAt.getTime() > now.getTime());
}

function takes(policy: RankedCondition, other: RankedCondition): boolean {
  return rankOrder(policy.definition, other.definition) < 0 && mayBothHold(policy.facts, other.facts);
}
