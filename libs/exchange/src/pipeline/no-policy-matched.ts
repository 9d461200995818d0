import { truncate } from '@fedbroker/platforms';
import type { PolicyEvaluation } from '@fedbroker/policy';

/** Policies a denial names one by one, in rank order; the rest are counted. */
export const MAX_POLICIES_IN_REASON = 10;

/** The longest reason shown for one policy (a CEL error may quote a long value). */
const MAX_POLICY_REASON_LENGTH = 200;

/**
 * Why no policy matched, for the audit event: how many policies in `enforce` mode were evaluated
 * and with what results, then the first {@link MAX_POLICIES_IN_REASON} ranked ones with their
 * reasons, and how many more there are. `audit`-mode policies are reported apart (see
 * `auditModeReason`). A platform may hold thousands of policies; explain lists every one.
 */
export function noPolicyMatched(all: readonly PolicyEvaluation[]): string {
  if (all.length === 0) return 'the platform has no policy';
  const evaluations = all.filter((evaluation) => evaluation.mode === 'enforce');
  if (evaluations.length === 0) return 'the platform has no policy in enforce mode';
  const counts = new Map<string, number>();
  for (const { result } of evaluations) counts.set(result, (counts.get(result) ?? 0) + 1);
  const tally = [...counts].map(([result, count]) => `${count} ${result}`).join(', ');
  const shown = evaluations.slice(0, MAX_POLICIES_IN_REASON).map(({ policy, result, reason }) => {
    const why = reason === undefined ? '' : ` (${truncate(reason, MAX_POLICY_REASON_LENGTH)})`;
    return `${truncate(policy, MAX_POLICY_REASON_LENGTH)}: ${result}${why}`;
  });
  const more = evaluations.length - shown.length;
  return `no policy matched (${evaluations.length} evaluated: ${tally}); ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}
