// `npm run bench`: RFC 8693 token exchanges per second through the real broker (child process, real
// PostgreSQL, every response audited) against an ideal baseline (bare node:http + jose, no database),
// same tokens, same load, one server loaded at a time. The two alternate in rounds so that drift in
// what else the machine does falls on both alike. Environment: BENCH_ROUNDS (3), BENCH_SECONDS per
// round and server (6), BENCH_WARMUP_SECONDS (5), BENCH_CONNECTIONS (32), BENCH_TOKENS (5000),
// BENCH_ALG (ES256 | RS256), DATABASE_URL (else a throwaway database on BENCH_POSTGRES_URL),
// BENCH_BROKER_NODE_ARGS and BENCH_BASELINE_NODE_ARGS (e.g. profiling flags).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startFakeKubernetesIssuer, type FakeKubernetesIssuer } from '../test/support/fake-kubernetes-issuer';
import {
  accessTokenJti,
  createBenchDatabase,
  freePort,
  percentile,
  runLoad,
  startChild,
  waitForHttp,
  withClient,
  type BodyCycle,
  type ChildServer,
  type LoadResult,
} from './bench-support';

const ROUNDS = positiveInt('BENCH_ROUNDS', 3);
const SECONDS = positiveInt('BENCH_SECONDS', 6);
const WARMUP_SECONDS = positiveInt('BENCH_WARMUP_SECONDS', 5);
const CONNECTIONS = positiveInt('BENCH_CONNECTIONS', 32);
const TOKEN_COUNT = positiveInt('BENCH_TOKENS', 5000);
const ALG = process.env.BENCH_ALG === 'RS256' ? 'RS256' : 'ES256';
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const BROKER_ISSUER = 'https://broker.bench.example';
const SUBJECT_AUDIENCE = `${BROKER_ISSUER}/token`;
const API_AUDIENCE = 'https://api.bench.example';
const DIST = join(__dirname, '..');
const BROKER_MAIN = join(DIST, 'apps/broker/src/main.js');
const BASELINE_MAIN = join(DIST, 'scripts/bench-baseline.js');

/** Undone in reverse order on exit, error or Ctrl-C. */
const cleanups: (() => Promise<void>)[] = [];

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

function nodeArgsOf(variable: string): string[] {
  return (process.env[variable] ?? '').split(' ').filter((arg) => arg !== '');
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

async function cleanUp(): Promise<void> {
  for (let undo = cleanups.pop(); undo !== undefined; undo = cleanups.pop()) {
    try {
      await undo();
    } catch (error) {
      log(`clean-up failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

async function mintSubjectTokens(cluster: FakeKubernetesIssuer): Promise<string[]> {
  const tokens: string[] = [];
  for (let start = 0; start < TOKEN_COUNT; start += 250) {
    const batch = Array.from({ length: Math.min(250, TOKEN_COUNT - start) }, (_, offset) => {
      const i = start + offset;
      const serviceAccount = `worker-${i % 7}`;
      return cluster.mint({
        namespace: `team-${i % 20}`,
        serviceAccount,
        podName: `${serviceAccount}-${randomBytes(5).toString('hex')}-${randomBytes(3).toString('hex').slice(0, 5)}`,
        aud: SUBJECT_AUDIENCE,
        lifetimeSeconds: 3600,
      });
    });
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}

function exchangeForm(subjectToken: string): string {
  return new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: subjectToken,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
  }).toString();
}

/** One request outside the timed runs: proves the server issues before we load it. */
async function exchangeOnce(tokenUrl: string, cycle: BodyCycle): Promise<string> {
  const body = cycle.bodies[cycle.next++ % cycle.bodies.length] ?? '';
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`POST ${tokenUrl} answered ${response.status}: ${text}`);
  return text;
}

interface Measured {
  label: string;
  warmup: LoadResult;
  rounds: LoadResult[];
  /** Bodies of every 200 this server sent, warm-up and sanity request included. */
  allOkBodies: string[];
}

/** A started server, sanity-checked and warmed up, ready for measured rounds. */
interface Contender {
  label: string;
  server: ChildServer;
  tokenUrl: string;
  result: Measured;
}

async function prepare(
  label: string,
  server: ChildServer,
  baseUrl: string,
  cycle: BodyCycle,
): Promise<Contender> {
  const tokenUrl = `${baseUrl}/token`;
  const first = await exchangeOnce(tokenUrl, cycle);
  log(`${label}: warming up ${WARMUP_SECONDS} s`);
  const warmup = await runLoad(tokenUrl, cycle, CONNECTIONS, WARMUP_SECONDS);
  return {
    label,
    server,
    tokenUrl,
    result: { label, warmup, rounds: [], allOkBodies: [first, ...warmup.okBodies] },
  };
}

async function measureRound(contender: Contender, cycle: BodyCycle, round: number): Promise<void> {
  log(`${contender.label}: round ${round} of ${ROUNDS}, ${SECONDS} s with ${CONNECTIONS} connections`);
  const measured = await runLoad(contender.tokenUrl, cycle, CONNECTIONS, SECONDS);
  if (!contender.server.running()) {
    throw new Error(`${contender.label} exited during the run:\n${contender.server.output()}`);
  }
  contender.result.rounds.push(measured);
  contender.result.allOkBodies.push(...measured.okBodies);
}

/** The measured rounds as one run: counts summed, latencies pooled. */
function pooled(rounds: readonly LoadResult[]): LoadResult {
  const statusCodes: Record<string, number> = {};
  for (const round of rounds) {
    for (const [code, count] of Object.entries(round.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  const sum = (pick: (r: LoadResult) => number): number => rounds.reduce((total, r) => total + pick(r), 0);
  return {
    seconds: sum((r) => r.seconds),
    ok: sum((r) => r.ok),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    statusCodes,
    okLatenciesMs: rounds.flatMap((r) => r.okLatenciesMs).sort((a, b) => a - b),
    okBodies: [],
    unanswered: sum((r) => r.unanswered),
  };
}

async function startBaseline(
  cluster: FakeKubernetesIssuer,
  jwks: unknown,
  cycle: BodyCycle,
): Promise<Contender> {
  const port = await freePort();
  const server = startChild(
    'baseline',
    BASELINE_MAIN,
    {
      BASELINE_PORT: String(port),
      BASELINE_SUBJECT_ISSUER: cluster.issuer,
      BASELINE_SUBJECT_AUDIENCE: SUBJECT_AUDIENCE,
      BASELINE_SUBJECT_JWKS: JSON.stringify(jwks),
      BASELINE_ISSUER: BROKER_ISSUER,
      BASELINE_TOKEN_AUDIENCE: API_AUDIENCE,
    },
    nodeArgsOf('BENCH_BASELINE_NODE_ARGS'),
  );
  cleanups.push(() => server.stop());
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(`${baseUrl}/healthz`, server);
  return prepare('baseline', server, baseUrl, cycle);
}

interface AuditCheck {
  ok: boolean;
  lines: string[];
}

interface BrokerContender extends Contender {
  databaseUrl: string;
  platform: string;
}

async function startBroker(
  cluster: FakeKubernetesIssuer,
  jwks: unknown,
  cycle: BodyCycle,
): Promise<BrokerContender> {
  const database = await createBenchDatabase(POSTGRES_URL);
  if (database.created) cleanups.push(() => database.drop());
  const port = await freePort();
  const adminToken = randomBytes(24).toString('base64url');
  const nodeArgs = nodeArgsOf('BENCH_BROKER_NODE_ARGS');
  const broker = startChild(
    'broker',
    BROKER_MAIN,
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      FEDBROKER_ADMIN_TOKEN: adminToken,
      FEDBROKER_KEY_ENCRYPTION_KEY:
        process.env.FEDBROKER_KEY_ENCRYPTION_KEY ?? randomBytes(32).toString('base64'),
      FEDBROKER_ISSUER: BROKER_ISSUER,
      FEDBROKER_ALLOW_HTTP_ISSUERS: 'true',
      // one load generator on loopback is one client: limits would measure the limiter, not the broker
      FEDBROKER_RATE_LIMIT_PER_CLIENT: '0',
      FEDBROKER_RATE_LIMIT_PER_PLATFORM: '0',
    },
    nodeArgs,
  );
  cleanups.push(() => broker.stop());
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(`${baseUrl}/readyz`, broker);

  const platform = `bench-${randomBytes(4).toString('hex')}`;
  const admin = async (path: string, body: unknown): Promise<void> => {
    const response = await fetch(`${baseUrl}/admin/v1/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 201) {
      throw new Error(`POST /admin/v1/${path} answered ${response.status}: ${await response.text()}`);
    }
  };
  await admin('platforms', {
    name: platform,
    kind: 'kubernetes',
    issuer: cluster.issuer,
    jwks,
    audiences: [SUBJECT_AUDIENCE],
  });
  await admin('policies', {
    name: `${platform}-workers`,
    platform,
    condition: "identity.namespace.startsWith('team-')",
    subject: "'k8s:' + identity.namespace + ':' + identity.serviceAccount",
    audiences: [API_AUDIENCE],
    scopes: ['bench.read'],
    ttlSeconds: 900,
  });

  return { ...(await prepare('broker', broker, baseUrl, cycle)), databaseUrl: database.url, platform };
}

/** Every 200 the broker sent must have its audit row, found by the issued token's `jti`. */
async function checkAudit(databaseUrl: string, platform: string, result: Measured): Promise<AuditCheck> {
  const jtis = result.allOkBodies.map(accessTokenJti).filter((jti): jti is string => jti !== undefined);
  const unanswered = result.warmup.unanswered + pooled(result.rounds).unanswered;
  const oks = result.allOkBodies.length;
  // Requests the load generator hung up on at the end of a run may still complete and be audited.
  for (let attempt = 0; attempt < 20; attempt++) {
    const rows = await withClient(databaseUrl, async (client) => {
      const counts = await client.query<{ issued: string; matched: string }>(
        `SELECT count(*) FILTER (WHERE outcome = 'issued') AS issued,
                count(*) FILTER (WHERE token_id = ANY($2::text[])) AS matched
           FROM audit_events WHERE platform = $1`,
        [platform, jtis],
      );
      return { issued: Number(counts.rows[0]?.issued), matched: Number(counts.rows[0]?.matched) };
    });
    const ok =
      jtis.length === oks && rows.matched === oks && rows.issued >= oks && rows.issued - oks <= unanswered;
    if (ok || attempt === 19) {
      const extra = rows.issued - oks;
      return {
        ok,
        lines: [
          `audit: ${oks} responses 200, ${rows.matched} of them found in audit_events by jti, ` +
            `${rows.issued} 'issued' rows in all ${ok ? 'OK' : 'MISMATCH'}`,
          ...(extra > 0
            ? [
                `       (+${extra} from requests in flight when the load generator hung up; ${unanswered} unanswered)`,
              ]
            : []),
        ],
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('unreachable');
}

function row(cells: string[], widths: number[]): string {
  return cells
    .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
    .join('  ');
}

function throughput(run: LoadResult): number {
  return run.ok / run.seconds;
}

function report(baseline: Measured, broker: Measured, audit: AuditCheck): void {
  const measured = (m: Measured): LoadResult => pooled(m.rounds);
  const widths = [28, 10, 8, 8, 8, 7];
  const lines = [
    row(['', 'tokens/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'], widths),
    ...[baseline, broker]
      .map((result) => ({ label: result.label, m: measured(result) }))
      .map(({ label, m }) =>
        row(
          [
            label === 'broker' ? 'broker (NestJS+PostgreSQL)' : 'baseline (node:http+jose)',
            throughput(m).toFixed(0),
            percentile(m.okLatenciesMs, 0.5).toFixed(2),
            percentile(m.okLatenciesMs, 0.99).toFixed(2),
            String(m.non2xx),
            String(m.errors),
          ],
          widths,
        ),
      ),
  ];
  const ratio = throughput(measured(broker)) / throughput(measured(baseline));
  const perRound = broker.rounds.map((round, i) => {
    const base = baseline.rounds[i];
    return base ? (throughput(round) / throughput(base)).toFixed(3) : '-';
  });
  process.stdout.write(
    [
      '',
      `POST /token, RFC 8693 exchange of ${TOKEN_COUNT} distinct ${ALG} Kubernetes tokens, ` +
        `${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s each after ${WARMUP_SECONDS} s warm-up`,
      ...lines,
      `broker / baseline throughput: ${ratio.toFixed(3)} (rounds: ${perRound.join(', ')})`,
      ...[baseline, broker]
        .filter((result) => measured(result).non2xx > 0)
        .map((result) => `${result.label} status codes: ${JSON.stringify(measured(result).statusCodes)}`),
      ...audit.lines,
      '',
    ].join('\n'),
  );
}

async function main(): Promise<number> {
  log(`minting ${TOKEN_COUNT} ${ALG} projected service-account tokens`);
  const cluster = await startFakeKubernetesIssuer({ alg: ALG, audience: SUBJECT_AUDIENCE });
  cleanups.push(() => cluster.close());
  const jwks: unknown = await (await fetch(cluster.jwksUri)).json();
  const bodies = (await mintSubjectTokens(cluster)).map(exchangeForm);

  log('baseline: starting');
  const baselineCycle = { bodies, next: 0 };
  const baseline = await startBaseline(cluster, jwks, baselineCycle);
  log('broker: starting on a fresh database');
  const brokerCycle = { bodies, next: 0 };
  const broker = await startBroker(cluster, jwks, brokerCycle);
  for (let round = 1; round <= ROUNDS; round++) {
    await measureRound(baseline, baselineCycle, round);
    await measureRound(broker, brokerCycle, round);
  }
  await baseline.server.stop();
  const audit = await checkAudit(broker.databaseUrl, broker.platform, broker.result);
  await broker.server.stop();
  report(baseline.result, broker.result, audit);

  const failures = [
    ...[baseline.result, broker.result]
      .map((result) => ({ label: result.label, m: pooled(result.rounds) }))
      .filter(({ m }) => m.non2xx + m.errors > 0)
      .map(({ label, m }) => `${label} answered ${m.non2xx} non-2xx and had ${m.errors} errors`),
    ...(audit.ok ? [] : ['the audit check failed']),
  ];
  failures.forEach((failure) => log(`FAIL: ${failure}`));
  return failures.length === 0 ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main()
  .catch((error: unknown) => {
    log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  })
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  })
  .catch(() => process.exit(1));
