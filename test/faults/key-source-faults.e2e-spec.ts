import { setTimeout as sleep } from 'node:timers/promises';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formOf, startBroker, TestClock, type Broker } from '../support/broker-harness';
import { JWT_BEARER } from '../support/oauth-urns';
import { auditAgreement } from './support/audit-agreement';
import { startFlakyKeySource, type FlakyKeySource, type KeySourceMode } from './support/flaky-key-source';
import { percentileMs, statusCounts } from './support/latency';
import { startTokenLoad, type TokenAttempt } from './support/token-load';
import { sharedTestServer } from '../support/test-database';

const CLIENTS = 6;
const PAUSE_MS = 5;
const LOAD_MS = 1_200;
/** Far below the key fetch timeout (5 s): a request never waits on a failing key source. */
const P99_LIMIT_MS = 1_000;
const REFRESH_DUE_SECONDS = 9 * 60;

describe.runIf(sharedTestServer)('the broker while a key source fails, and while keys rotate', () => {
  const clock = new TestClock(new Date('2026-03-02T09:00:00Z'));
  let source: FlakyKeySource;
  let broker: Broker;
  let token = '';
  const report: Record<string, Record<string, unknown>> = {};

  beforeAll(async () => {
    source = await startFlakyKeySource();
    broker = await startBroker({ FEDBROKER_ALLOW_HTTP_ISSUERS: 'true' }, clock);
    for (const [path, body] of [
      [
        '/admin/v1/platforms',
        { name: 'cluster', kind: 'kubernetes', issuer: source.issuer, jwksUri: source.jwksUri },
      ],
      [
        '/admin/v1/policies',
        { name: 'all', platform: 'cluster', condition: 'true', audiences: ['https://api.example'] },
      ],
    ] as const) {
      const response = await broker.admin('POST', path, body);
      if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    }
    token = await source.mint(clock.now());
  });

  afterAll(async () => {
    console.log(`key-source fault figures:\n${JSON.stringify(report, null, 2)}`);
    await broker?.close();
    await source?.close();
  });

  const body = () => formOf({ grant_type: JWT_BEARER, assertion: token }).toString();

  async function underLoad(ms: number, during?: () => Promise<void>): Promise<TokenAttempt[]> {
    const load = startTokenLoad(broker.url, { clients: CLIENTS, pauseMs: PAUSE_MS, body });
    await Promise.all([sleep(ms), during?.()]);
    return [...(await load.stop())];
  }

  /** Every 200 has its `issued` row with the token's `jti`, every answer one row, and no other `issued` row appeared. */
  async function expectAuditAgrees(attempts: readonly TokenAttempt[], issuedBefore: number): Promise<number> {
    const agreement = await auditAgreement(broker.database.url, attempts);
    expect(agreement.missing).toEqual([]);
    expect(agreement.contradictions).toEqual([]);
    expect(agreement.duplicated).toEqual([]);
    expect(agreement.unaudited).toEqual([]);
    expect(agreement.issuedEvents - issuedBefore).toBe(agreement.issuedAnswers);
    return agreement.issuedEvents;
  }

  const issuedEvents = async () => (await auditAgreement(broker.database.url, [])).issuedEvents;

  it.each<KeySourceMode>(['down', 'garbage', 'slow', 'hang'])(
    'keeps answering from cached keys, with no stall, while the key source is %s',
    async (mode) => {
      clock.advance(REFRESH_DUE_SECONDS);
      token = await source.mint(clock.now());
      const issuedBefore = await issuedEvents();
      const fetchesBefore = source.fetches;
      source.mode = mode;
      const attempts = await underLoad(LOAD_MS);
      source.mode = 'ok';
      const figures = {
        answers: statusCounts(attempts),
        p50Ms: percentileMs(attempts, 50),
        p99Ms: percentileMs(attempts, 99),
        keyFetches: source.fetches - fetchesBefore,
      };
      report[mode] = figures;
      expect(figures.answers).toEqual({ 200: attempts.length });
      expect(figures.p99Ms).toBeLessThan(P99_LIMIT_MS);
      expect(figures.keyFetches).toBe(1);
      await expectAuditAgrees(attempts, issuedBefore);
    },
  );

  it('fails closed with 503 once the cached keys are past their staleness, and recovers when the source returns', async () => {
    clock.advance(25 * 3600);
    token = await source.mint(clock.now());
    const issuedBefore = await issuedEvents();
    source.mode = 'down';
    const downAt = performance.now();
    const refused = await underLoad(600);
    source.mode = 'ok';
    clock.advance(31);
    const backAt = performance.now();
    const recovered = await underLoad(600);
    const firstRefusal = refused.find((a) => a.status === 503);
    const firstIssue = recovered.find((a) => a.status === 200);
    report.stale = {
      whileDown: statusCounts(refused),
      failClosedMs: firstRefusal ? Math.round(firstRefusal.ended - downAt) : undefined,
      afterReturn: statusCounts(recovered),
      recoveredMs: firstIssue ? Math.round(firstIssue.ended - backAt) : undefined,
      p99WhileDownMs: percentileMs(refused, 99),
    };
    expect(statusCounts(refused)).toEqual({ 503: refused.length });
    expect(refused.every((a) => a.error === 'temporarily_unavailable')).toBe(true);
    expect(statusCounts(recovered)).toEqual({ 200: recovered.length });
    await expectAuditAgrees([...refused, ...recovered], issuedBefore);
  });

  it('follows an upstream key rotation mid-traffic with one refetch and no failure', async () => {
    clock.advance(60);
    token = await source.mint(clock.now());
    const issuedBefore = await issuedEvents();
    let fetchesAtRotation = 0;
    const attempts = await underLoad(LOAD_MS, async () => {
      await sleep(LOAD_MS / 3);
      await source.rotate();
      fetchesAtRotation = source.fetches;
      token = await source.mint(clock.now());
    });
    report.upstreamRotation = {
      answers: statusCounts(attempts),
      refetches: source.fetches - fetchesAtRotation,
      p99Ms: percentileMs(attempts, 99),
    };
    expect(statusCounts(attempts)).toEqual({ 200: attempts.length });
    expect(source.fetches - fetchesAtRotation).toBe(1);
    await expectAuditAgrees(attempts, issuedBefore);
  });

  it('rotates its signing key under load without a relying party that caches /jwks (publish-ahead) failing to verify', async () => {
    const jwks = async () => (await (await fetch(`${broker.url}/jwks`)).json()) as JSONWebKeySet;
    let relyingParty = createLocalJWKSet(await jwks());
    const issuedBefore = await issuedEvents();
    const verified: { ok: boolean; kid: string }[] = [];
    let running = true;
    const client = async (): Promise<TokenAttempt[]> => {
      const mine: TokenAttempt[] = [];
      while (running) {
        const started = performance.now();
        const response = await fetch(`${broker.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: body(),
        });
        const answer = (await response.json()) as { access_token?: string };
        const attempt: TokenAttempt = {
          started,
          ended: performance.now(),
          status: response.status,
          error: undefined,
          description: undefined,
          requestId: response.headers.get('x-request-id') ?? undefined,
          jti: undefined,
        };
        if (answer.access_token !== undefined) {
          const result = await jwtVerify(answer.access_token, relyingParty, {
            currentDate: clock.now(),
          }).then(
            ({ payload, protectedHeader }) => ({
              ok: true,
              kid: String(protectedHeader.kid),
              jti: String(payload.jti),
            }),
            () => ({ ok: false, kid: '', jti: undefined }),
          );
          verified.push(result);
          attempt.jti = result.jti;
        }
        mine.push(attempt);
        await sleep(PAUSE_MS);
      }
      return mine;
    };
    const clients = Promise.all(Array.from({ length: CLIENTS }, client));
    await sleep(300);
    const rotated = await broker.admin('POST', '/admin/v1/signing-keys/rotate', {
      activateAfterSeconds: 300,
    });
    expect(rotated.status).toBe(201);
    await sleep(300);
    clock.advance(150);
    relyingParty = createLocalJWKSet(await jwks());
    await sleep(300);
    clock.advance(151);
    await sleep(600);
    running = false;
    const attempts = (await clients).flat();
    const refusal = attempts.find((a) => a.status !== 200);
    if (refusal !== undefined) {
      const [event] = await broker.runtime.dataSource.query<{ reason: string }[]>(
        'SELECT reason FROM audit_events WHERE request_id = $1',
        [refusal.requestId],
      );
      report.signingKeyRotationRefusal = { reason: event?.reason };
    }
    const kids = new Set(verified.map((v) => v.kid));
    report.signingKeyRotation = {
      answers: statusCounts(attempts),
      verified: verified.filter((v) => v.ok).length,
      failedVerification: verified.filter((v) => !v.ok).length,
      signingKids: kids.size,
    };
    expect(statusCounts(attempts)).toEqual({ 200: attempts.length });
    expect(verified.every((v) => v.ok)).toBe(true);
    expect(kids.size).toBe(2);
    await expectAuditAgrees(attempts, issuedBefore);
  });
});
