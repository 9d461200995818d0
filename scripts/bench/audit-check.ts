// The proof the bench gives with every figure that issues tokens: each 200 has its audit row.
import { accessTokenJti, sleep, withClient } from '../bench-support';
import type { TargetRuns } from './alternating-load';

export interface AuditCheck {
  ok: boolean;
  lines: string[];
}

/**
 * Every 200 the runs got from the broker on `databaseUrl` must have its `issued` audit row, found by the
 * issued token's `jti`; `issued` rows beyond them may only come from requests in flight when the load
 * generator hung up. The database must hold no other broker's rows.
 */
export async function checkIssuedAudit(
  databaseUrl: string,
  label: string,
  allRuns: readonly TargetRuns[],
): Promise<AuditCheck> {
  const okBodies = allRuns.flatMap((runs) => runs.okBodies);
  const unanswered = allRuns.reduce((total, runs) => total + runs.unanswered, 0);
  return checkIssuedJtis(databaseUrl, label, okBodies.map(accessTokenJti), unanswered);
}

/**
 * {@link checkIssuedAudit} from the `jti` of each 200 (undefined where a 200 carried no token), for
 * runs too long to keep every body.
 */
export async function checkIssuedJtis(
  databaseUrl: string,
  label: string,
  okJtis: readonly (string | undefined)[],
  unanswered: number,
): Promise<AuditCheck> {
  const jtis = okJtis.filter((jti): jti is string => jti !== undefined);
  const oks = okJtis.length;
  // Requests the load generator hung up on at the end of a run may still complete and be audited.
  for (let attempt = 1; ; attempt++) {
    const rows = await withClient(databaseUrl, async (client) => {
      const counts = await client.query<{ issued: string; matched: string }>(
        `SELECT count(*) FILTER (WHERE outcome = 'issued') AS issued,
                count(*) FILTER (WHERE token_id = ANY($1::text[])) AS matched
           FROM audit_events`,
        [jtis],
      );
      return { issued: Number(counts.rows[0]?.issued), matched: Number(counts.rows[0]?.matched) };
    });
    const ok =
      jtis.length === oks && rows.matched === oks && rows.issued >= oks && rows.issued - oks <= unanswered;
    if (ok || attempt === 20) {
      const extra = rows.issued - oks;
      return {
        ok,
        lines: [
          `audit (${label}): ${oks} responses 200, ${rows.matched} of them found in audit_events ` +
            `by jti, ${rows.issued} 'issued' rows in all ${ok ? 'OK' : 'MISMATCH'}` +
            (extra > 0 ? ` (+${extra} from requests in flight at hang-up; ${unanswered} unanswered)` : ''),
        ],
      };
    }
    await sleep(100);
  }
}

/** The audit checks of several brokers as one: lines for the notes, failures for the exit code. */
export async function checkAllIssuedAudits(
  checks: readonly { databaseUrl: string; label: string; runs: readonly TargetRuns[] }[],
): Promise<{ notes: string[]; failures: string[] }> {
  const notes: string[] = [];
  const failures: string[] = [];
  for (const { databaseUrl, label, runs } of checks) {
    const check = await checkIssuedAudit(databaseUrl, label, runs);
    notes.push(...check.lines);
    if (!check.ok) failures.push(`the audit check of ${label} failed`);
  }
  return { notes, failures };
}
