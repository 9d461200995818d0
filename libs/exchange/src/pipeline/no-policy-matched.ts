import { truncate } from '@fedbroker/platforms';
import type { PolicyEvaluation, RuledOutPolicy } from '@fedbroker/policy';

/** Policies a denial names one by one, in rank order; the rest are counted. */
export const MAX_POLICIES_IN_REASON = 10;

/** The longest reason shown for one policy (a CEL error may quote a long value). */
const MAX_POLICY_REASON_LENGTH = 200;

/** What a platform's policy index tells a denial beside the evaluations: see `PolicySet`. */
export interface PolicyTally {
  /** Every policy of the platform, evaluated or not. */
  policies: number;
  /** Those in `enforce` mode. */
  enforced: number;
  /** The `enforce`-mode policies the index ruled out, unevaluated: none could have matched. */
  ruledOut: number;
  /** The first ranked of them, with the pin that ruled each out. */
  ruledOutFirst?: readonly RuledOutPolicy[] | undefined;
}

/**
 * Why no policy matched, for the audit event: how many policies in `enforce` mode were evaluated
 * and with what results, how many the index ruled out without evaluating them, then the first
 * {@link MAX_POLICIES_IN_REASON} ranked evaluated ones with their reasons (then, if fewer, ruled-out
 * ones with the pin that ruled them out), and how many more there are. `audit`-mode policies are reported apart (see `auditModeReason`). A platform may hold
 * thousands of policies; explain lists every one. Without a `tally`, `all` is every policy.
 */
export function noPolicyMatched(all: readonly PolicyEvaluation[], tally?: PolicyTally): string {
  const evaluations = all.filter((evaluation) => evaluation.mode === 'enforce');
  const { policies = all.length, enforced = evaluations.length, ruledOut = 0 } = tally ?? {};
  if (policies === 0) return 'the platform has no policy';
  if (enforced === 0) return 'the platform has no policy in enforce mode';
  const counts = new Map<string, number>();
  for (const { result } of evaluations) counts.set(result, (counts.get(result) ?? 0) + 1);
  const results = [...counts].map(([result, count]) => `${count} ${result}`).join(', ');
  const evaluated = `${evaluations.length} evaluated${results === '' ? '' : `: ${results}`}`;
  const spared = ruledOut > 0 ? `; ${ruledOut} ruled out by the index` : '';
  const shown = evaluations.slice(0, MAX_POLICIES_IN_REASON).map(({ policy, result, reason }) => {
    const why = reason === undefined ? '' : ` (${truncate(reason, MAX_POLICY_REASON_LENGTH)})`;
    return `${truncate(policy, MAX_POLICY_REASON_LENGTH)}: ${result}${why}`;
  });
  for (const { policy, reason } of tally?.ruledOutFirst ?? []) {
    if (shown.length >= MAX_POLICIES_IN_REASON) break;
    shown.push(
      `${truncate(policy, MAX_POLICY_REASON_LENGTH)}: ruled out (${truncate(reason, MAX_POLICY_REASON_LENGTH)})`,
    );
  }
  const more = evaluations.length + ruledOut - shown.length;
  const named = shown.length === 0 ? '' : `; ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
  return `no policy matched (${evaluated}${spared})${named}`;
}
