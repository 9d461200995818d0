import { truncate } from '@fedbroker/platforms';
import type { AuditModeVerdict } from '@fedbroker/policy';
import { MAX_POLICIES_IN_REASON } from './no-policy-matched';

/** What starts the part of an audit event's `reason` that reports the `audit`-mode policies. */
export const AUDIT_MODE_PREFIX = 'audit-mode:';

/** The longest reason shown for one verdict (a CEL error may quote a long value). */
const MAX_VERDICT_REASON_LENGTH = 200;

/**
 * The verdicts of the `audit`-mode policies as an audit event's `reason` records them, or undefined
 * when there were none: `audit-mode: <policy>=<verdict> (<why>), …`, ranked, the first
 * {@link MAX_POLICIES_IN_REASON} of them and how many more, e.g.
 * `audit-mode: deploy-v2=would_grant (subject k8s:payments:deployer), deploy-v3=no_match (condition is false)`.
 */
export function auditModeReason(verdicts: readonly AuditModeVerdict[] | undefined): string | undefined {
  if (verdicts === undefined || verdicts.length === 0) return undefined;
  const shown = verdicts.slice(0, MAX_POLICIES_IN_REASON).map(({ policy, verdict, reason }) => {
    const why = reason === undefined ? '' : ` (${truncate(reason, MAX_VERDICT_REASON_LENGTH)})`;
    return `${policy}=${verdict}${why}`;
  });
  const more = verdicts.length - shown.length;
  return `${AUDIT_MODE_PREFIX} ${shown.join(', ')}${more > 0 ? `, and ${more} more` : ''}`;
}
