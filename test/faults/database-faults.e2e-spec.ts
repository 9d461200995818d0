import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formOf, trustCluster } from '../support/broker-harness';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../support/fake-kubernetes-issuer';
import { JWT_BEARER } from '../support/oauth-urns';
import { startPgProxy, type PgProxy } from '../support/pg-proxy';
import { createTestDatabase, type TestDatabase, sharedTestServer } from '../support/test-database';
import { auditAgreement, type AuditAgreement } from './support/audit-agreement';
import { startBrokerProcess, type BrokerProcess } from './support/broker-process';
import { outageFigures, type OutageFigures } from './support/outage-figures';
import { watchReadiness } from './support/readiness-watch';
import { startTokenLoad, type TokenAttempt } from './support/token-load';

const CLIENTS = 12;
const PAUSE_MS = 25;
const STEADY_MS = 800;

describe.runIf(sharedTestServer)('the broker process while PostgreSQL fails', () => {
  let database: TestDatabase;
  let proxy: PgProxy;
  let cluster: FakeKubernetesIssuer;
  let broker: BrokerProcess;
  let bodies: string[];
  let next = 0;
  const attempts: TokenAttempt[] = [];
  const report: Record<string, Partial<OutageFigures & AgreementFigures> & { exitedMs?: number }> = {};
  let issuedEventsBefore = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startPgProxy(database.url);
    cluster = await startFakeKubernetesIssuer({ alg: 'ES256' });
    broker = await startBrokerProcess(proxy.url);
    await trustCluster(broker, cluster, {
      name: 'all',
      condition: 'true',
      audiences: ['https://api.example'],
    });
    bodies = await Promise.all(
      Array.from({ length: 32 }, async (_, i) =>
        formOf({
          grant_type: JWT_BEARER,
          assertion: await cluster.mint({ serviceAccount: `sa-${i}`, aud: ['https://broker.test/token'] }),
        }).toString(),
      ),
    );
  });

  afterAll(async () => {
    console.log(`database faults under ${CLIENTS} clients:\n${JSON.stringify(report, null, 2)}`);
    proxy?.restore();
    await broker?.kill();
    await proxy?.close();
    await cluster?.close();
    await database?.drop();
  });

  const body = (): string => bodies[next++ % bodies.length] ?? '';

  /** Load, then the fault, then the repair, then load until a token is issued again. */
  async function underLoad(
    scenario: string,
    fault: () => Promise<void> | void,
    repair: () => Promise<void> | void,
  ): Promise<{
    figures: OutageFigures;
    agreement: AuditAgreement;
    scenarioAttempts: readonly TokenAttempt[];
  }> {
    const load = startTokenLoad(broker.url, { clients: CLIENTS, pauseMs: PAUSE_MS, body });
    const readiness = watchReadiness(broker.url);
    await sleep(STEADY_MS);
    const faultAt = performance.now();
    await fault();
    const restoredAt = performance.now();
    await repair();
    const deadline = restoredAt + 10_000;
    while (
      !load.attempts.some((a) => a.started >= restoredAt && a.status === 200) &&
      performance.now() < deadline
    ) {
      await sleep(50);
    }
    await sleep(300);
    const scenarioAttempts = await load.stop();
    const figures = outageFigures(scenarioAttempts, await readiness.stop(), faultAt, restoredAt);
    attempts.push(...scenarioAttempts);
    const agreement = await auditAgreement(database.url, attempts);
    report[scenario] = { ...figures, ...agreementFigures(scenarioAttempts, agreement) };
    return { figures, agreement, scenarioAttempts };
  }

  /** The scenario's 200s and the `issued` events it added, beside the log-wide checks. */
  function agreementFigures(
    scenarioAttempts: readonly TokenAttempt[],
    agreement: AuditAgreement,
  ): AgreementFigures {
    const issuedEventsAdded = agreement.issuedEvents - issuedEventsBefore;
    issuedEventsBefore = agreement.issuedEvents;
    return {
      tokensAnswered: scenarioAttempts.filter((a) => a.status === 200).length,
      issuedEventsAdded,
      contradictions: agreement.contradictions.length,
      missing: agreement.missing.length,
      duplicated: agreement.duplicated.length,
    };
  }

  function expectAgreement(agreement: AuditAgreement): void {
    expect(agreement.contradictions).toEqual([]);
    expect(agreement.missing).toEqual([]);
    expect(agreement.duplicated).toEqual([]);
    expect(agreement.issuedEvents).toBe(agreement.issuedAnswers);
  }

  it('fails closed fast and recovers when PostgreSQL goes away (connections cut, new ones refused)', async () => {
    const { figures, agreement } = await underLoad(
      'cut',
      async () => {
        proxy.cut();
        await sleep(2_500);
      },
      () => proxy.restore(),
    );
    expect(broker.running()).toBe(true);
    expect(figures.failClosedMs).toBeLessThan(2_500);
    expect(figures.slowestDuringOutageMs).toBeLessThan(2_500);
    expect(figures.notReadyMs).toBeLessThan(1_000);
    expect(figures.slowestReadyzMs).toBeLessThan(1_000);
    expect(figures.recoveredMs).toBeLessThan(3_000);
    expectAgreement(agreement);
  });

  it('fails closed fast and recovers when PostgreSQL hangs (no byte forwarded)', async () => {
    const { figures, agreement } = await underLoad(
      'frozen',
      async () => {
        proxy.freeze();
        await sleep(4_000);
      },
      () => proxy.restore(),
    );
    expect(broker.running()).toBe(true);
    expect(figures.failClosedMs).toBeLessThan(2_500);
    expect(figures.slowestDuringOutageMs).toBeLessThan(2_500);
    expect(figures.notReadyMs).toBeLessThan(1_000);
    expect(figures.slowestReadyzMs).toBeLessThan(1_000);
    expect(figures.recoveredMs).toBeLessThan(3_000);
    expectAgreement(agreement);
  });

  it('stays up and keeps its audit straight when its sessions are killed', async () => {
    const { figures, agreement } = await underLoad(
      'sessions killed',
      async () => {
        for (let round = 0; round < 5; round += 1) {
          await killSessions(database.url);
          await sleep(250);
        }
      },
      () => undefined,
    );
    expect(broker.running()).toBe(true);
    expect(figures.slowestDuringOutageMs).toBeLessThan(2_500);
    expect(figures.recoveredMs).toBeLessThan(3_000);
    expectAgreement(agreement);
  });

  it('on SIGTERM finishes what is in flight, refuses what follows with audited 503s, and exits 0', async () => {
    const load = startTokenLoad(broker.url, {
      clients: CLIENTS,
      pauseMs: PAUSE_MS,
      body,
      stopWhenUnanswered: true,
    });
    await sleep(STEADY_MS);
    const signalAt = performance.now();
    process.kill(broker.pid, 'SIGTERM');
    const exit = await broker.exited;
    const exitedMs = Math.round(performance.now() - signalAt);
    const scenarioAttempts = await load.stop();
    attempts.push(...scenarioAttempts);
    const agreement = await auditAgreement(database.url, attempts);
    const shuttingDown = scenarioAttempts.filter((a) => a.status === 503);
    const answers: Record<number, number> = {};
    for (const a of scenarioAttempts) answers[a.status] = (answers[a.status] ?? 0) + 1;
    report.SIGTERM = { answers, ...agreementFigures(scenarioAttempts, agreement), exitedMs };

    expect(exit).toEqual({ code: 0, signal: null });
    expect(scenarioAttempts.filter((a) => a.started < signalAt - 100 && a.status === 0)).toEqual([]);
    expect(shuttingDown.length).toBeGreaterThan(0);
    expect(new Set(shuttingDown.map((a) => a.description))).toEqual(
      new Set(['the service is shutting down']),
    );
    const answered = new Set(scenarioAttempts.map((a) => a.requestId));
    expect(agreement.unaudited.filter((id) => answered.has(id))).toEqual([]);
    expectAgreement(agreement);
  });
});

interface AgreementFigures {
  tokensAnswered: number;
  issuedEventsAdded: number;
  contradictions: number;
  missing: number;
  duplicated: number;
}

/** `pg_terminate_backend` on every other session of the database, the broker's included. */
async function killSessions(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
  } finally {
    await client.end();
  }
}
