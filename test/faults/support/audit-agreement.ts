import { Client } from 'pg';
import type { TokenAttempt } from './token-load';

/** How the audit log compares with what the clients received. */
export interface AuditAgreement {
  /** Answers `200` with a token. */
  issuedAnswers: number;
  /** Events `issued` in the log. */
  issuedEvents: number;
  /** Request ids whose events say otherwise than the answer (an `issued` event for a refusal, …). */
  contradictions: string[];
  /** Request ids of `200` answers without their `issued` event carrying the token's `jti`. */
  missing: string[];
  /** Request ids with more than one event. */
  duplicated: string[];
  /** Request ids of answers without any event (expected only of 503s while the database is out). */
  unaudited: string[];
}

interface EventRow {
  request_id: string;
  outcome: 'issued' | 'denied';
  token_id: string | null;
}

/** Compares every answered attempt with the audit events of its request id. */
export async function auditAgreement(
  databaseUrl: string,
  attempts: readonly TokenAttempt[],
): Promise<AuditAgreement> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  let rows: EventRow[];
  try {
    ({ rows } = await client.query<EventRow>('SELECT request_id, outcome, token_id FROM audit_events'));
  } finally {
    await client.end();
  }
  const byRequest = new Map<string, EventRow[]>();
  for (const row of rows) byRequest.set(row.request_id, [...(byRequest.get(row.request_id) ?? []), row]);

  const agreement: AuditAgreement = {
    issuedAnswers: 0,
    issuedEvents: rows.filter((row) => row.outcome === 'issued').length,
    contradictions: [],
    missing: [],
    duplicated: [...byRequest].filter(([, events]) => events.length > 1).map(([id]) => id),
    unaudited: [],
  };
  for (const attempt of attempts) {
    if (attempt.requestId === undefined) continue;
    const events = byRequest.get(attempt.requestId) ?? [];
    if (events.length === 0) agreement.unaudited.push(attempt.requestId);
    if (attempt.status === 200) {
      agreement.issuedAnswers += 1;
      if (!events.some((e) => e.outcome === 'issued' && e.token_id === attempt.jti)) {
        agreement.missing.push(attempt.requestId);
      }
      if (events.some((e) => e.outcome !== 'issued')) agreement.contradictions.push(attempt.requestId);
    } else if (events.some((e) => e.outcome === 'issued')) {
      agreement.contradictions.push(attempt.requestId);
    }
  }
  return agreement;
}
