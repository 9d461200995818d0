import type { AuditModeVerdict } from '@fedbroker/policy';

/** What starts the part of an audit event's `reason` that reports the `audit`-mode policies. */
export const AUDIT_MODE_PREFIX = 'audit-mode:';

/**
 * The verdicts of the `audit`-mode policies as an audit event's `reason` records them, or undefined
 * when there were none: `audit-mode: <policy>=<verdict> (<why>), …`, ranked, e.g.
 * `audit-mode: deploy-v2=would_grant (subject k8s:payments:deployer), deploy-v3=no_match (condition is false)`.
 */
export function auditModeReason(verdicts: readonly AuditModeVerdict[] | undefined): string | undefined {
  if (verdicts === undefined || verdicts.length === 0) return undefined;
  const shown = verdicts.map(
    (v) => `${v.policy}=${v.verdict}${v.reason === undefined ? '' : ` (${v.reason})`}`,
  );
  return `${AUDIT_MODE_PREFIX} ${shown.join(', ')}`;
}
