import { expect } from 'vitest';
import type { Outcome } from './hostile-world';

/** What API.md promises for a refused request: the status, the OAuth error, one audited denial. */
export interface Refusal {
  status: number;
  error: string;
  /** The audit event's `error` code. */
  code: string;
  /** What the audit event's reason must say. */
  reason?: RegExp;
}

export function expectRefusal(outcome: Outcome, refusal: Refusal): void {
  const context = JSON.stringify({ body: outcome.body, events: outcome.events });
  expect(outcome.status, context).toBe(refusal.status);
  expect(outcome.body.error, context).toBe(refusal.error);
  expect(typeof outcome.body.error_description, context).toBe('string');
  expect(outcome.body).not.toHaveProperty('access_token');
  expect(outcome.events, context).toHaveLength(1);
  const [event] = outcome.events;
  expect(event?.outcome, context).toBe('denied');
  expect(event?.error, context).toBe(refusal.code);
  expect(event?.reason, context).toMatch(refusal.reason ?? /./);
}
