// `no-match`: with 10,000 policies on one platform, a request no policy matches against a grant, on one
// broker, alternating rounds: a refusal must cost less than a grant, and its audit reason must stay
// short however many policies were passed over.
import { withClient } from '../bench-support';
import {
  alternateRounds,
  cycleOf,
  describeRuns,
  firstAnswer,
  rateRatio,
  unexpectedAnswers,
  type LoadTarget,
  type TargetRuns,
} from './alternating-load';
import { checkAllIssuedAudits } from './audit-check';
import {
  applyCatalog,
  exchangeBodies,
  generatedIdentity,
  generatedPolicies,
  kubernetesPlatform,
  startWorkload,
  type WorkloadIdentity,
} from './bench-workload';
import type { BenchBroker } from './broker-process';
import { startBenchBroker } from './broker-process';
import { loadPlan, nodeArgsOf, positiveInt } from './knobs';
import type { BenchScenario, ScenarioFigure } from './scenario';

const REASON_TARGET_BYTES = 1000;
const AUDIT_PAGE = 500;

/**
 * The identities of refused requests, alternately: a namespace no policy names (the index rules every
 * policy out), and policy `i`'s namespace with policy `i + 1`'s service account (the index keeps one
 * of the two, whose condition is then false).
 */
function unmatchedIdentity(j: number, policyCount: number): WorkloadIdentity {
  if (j % 2 === 0) return { namespace: `ns-unknown-${j}`, serviceAccount: `sa-${j % policyCount}` };
  const i = (j * 7919) % (policyCount - 1);
  return {
    namespace: generatedIdentity(i).namespace,
    serviceAccount: generatedIdentity(i + 1).serviceAccount,
  };
}

interface ReasonLengths {
  read: number;
  maxBytes: number;
  longest: string;
  /** Reasons that are not a `no policy matched`: the refusal was not the one meant. */
  others: number;
}

/** The audit reasons of the broker's newest `denied` events, read through the admin listing. */
async function deniedReasonLengths(broker: BenchBroker, pages: number): Promise<ReasonLengths> {
  const lengths: ReasonLengths = { read: 0, maxBytes: 0, longest: '', others: 0 };
  let cursor: string | undefined;
  for (let page = 0; page < pages; page++) {
    const query = new URLSearchParams({ outcome: 'denied', limit: String(AUDIT_PAGE) });
    if (cursor !== undefined) query.set('cursor', cursor);
    const { status, body } = await broker.admin('GET', `/admin/v1/audit-events?${query.toString()}`);
    if (status !== 200) throw new Error(`GET /admin/v1/audit-events answered ${status}`);
    const { items, nextCursor } = body as { items: { reason?: string | null }[]; nextCursor?: string | null };
    for (const { reason } of items) {
      const bytes = Buffer.byteLength(reason ?? '', 'utf8');
      lengths.read += 1;
      if (!(reason ?? '').startsWith('no policy matched')) lengths.others += 1;
      if (bytes > lengths.maxBytes) Object.assign(lengths, { maxBytes: bytes, longest: reason ?? '' });
    }
    if (nextCursor === undefined || nextCursor === null) break;
    cursor = nextCursor;
  }
  return lengths;
}

/** The broker's `denied` audit rows. */
async function deniedRows(broker: BenchBroker): Promise<number> {
  return withClient(broker.databaseUrl, async (client) => {
    const result = await client.query<{ count: string }>(
      `SELECT count(*) FROM audit_events WHERE outcome = 'denied'`,
    );
    return Number(result.rows[0]?.count);
  });
}

/** Every refusal answered must have its `denied` audit row: `deniedBefore` were there before the runs. */
async function checkDeniedAudit(
  broker: BenchBroker,
  runs: TargetRuns,
  deniedBefore: number,
): Promise<{ line: string; ok: boolean }> {
  const refusals = [runs.warmup, ...runs.rounds].reduce(
    (total, round) => total + (round.statusCodes[String(runs.target.expectedStatus)] ?? 0),
    0,
  );
  const denied = (await deniedRows(broker)) - deniedBefore;
  // + 1: the first refusal, outside the timed runs; + unanswered: in flight at hang-up
  const ok = denied >= refusals && denied <= refusals + 1 + runs.unanswered;
  return {
    ok,
    line: `audit (refusals): ${refusals} answers ${runs.target.expectedStatus}, ${denied} 'denied' rows ${ok ? 'OK' : 'MISMATCH'}`,
  };
}

export const noMatchScenario: BenchScenario = {
  name: 'no-match',
  summary: 'with 10,000 policies, refusals no policy matches vs grants: rate and audit reason length',
  async run(env) {
    const plan = loadPlan({ rounds: 3, seconds: 6, warmupSeconds: 3, connections: 32 });
    const policyCount = positiveInt('BENCH_POLICIES', 10_000);
    const tokenCount = positiveInt('BENCH_TOKENS', 2000);
    const auditPages = positiveInt('BENCH_AUDIT_PAGES', 10);
    const workload = await startWorkload(env);
    env.log(`minting ${tokenCount} tokens that policies grant and ${tokenCount} that none does`);
    // grants spread over every rank of the catalog
    const granted = await exchangeBodies(workload, tokenCount, (j) =>
      generatedIdentity((j * 7919) % policyCount),
    );
    const refused = await exchangeBodies(workload, tokenCount, (j) => unmatchedIdentity(j, policyCount));

    const broker = await startBenchBroker(env, { nodeArgs: nodeArgsOf('BENCH_BROKER_NODE_ARGS') });
    env.log(`applying ${policyCount} policies`);
    await applyCatalog(broker, {
      platforms: [kubernetesPlatform(workload, 'bench')],
      policies: generatedPolicies('bench', policyCount, { apiAudience: workload.apiAudience }),
    });

    const grants: LoadTarget = {
      label: 'grants',
      url: broker.tokenUrl,
      cycle: cycleOf(granted),
      server: broker.server,
      expectedStatus: 200,
    };
    // the catalog is in place once a grant comes back; refusals before it are not the runs'
    const ready = await firstAnswer(grants);
    const deniedBefore = await deniedRows(broker);
    const [grantRuns, refusalRuns] = await alternateRounds(
      env,
      [
        grants,
        {
          label: 'refusals, no policy matches',
          url: broker.tokenUrl,
          cycle: cycleOf(refused),
          server: broker.server,
          expectedStatus: 400,
        },
      ],
      plan,
    );
    if (grantRuns === undefined || refusalRuns === undefined) throw new Error('no runs');
    grantRuns.okBodies.push(ready);
    const issued = await checkAllIssuedAudits([
      { databaseUrl: broker.databaseUrl, label: 'grants', runs: [grantRuns] },
    ]);
    const denied = await checkDeniedAudit(broker, refusalRuns, deniedBefore);
    const reasons = await deniedReasonLengths(broker, auditPages);
    const { ratio, baselineRate, perRound } = rateRatio(refusalRuns, grantRuns);
    const figures: ScenarioFigure[] = [
      {
        what: `/token refusals no policy matches / grants, ${policyCount} policies`,
        value: ratio,
        unit: 'x grant rate',
        baseline: `grants: ${baselineRate.toFixed(0)}/s`,
        target: '> 1 (cheaper than a grant)',
        met: ratio > 1,
      },
      {
        what: `audit reason of a refusal, longest of ${reasons.read} read, ${policyCount} policies`,
        value: reasons.maxBytes,
        unit: 'bytes',
        target: `<= ${REASON_TARGET_BYTES} bytes`,
        met: reasons.read > 0 && reasons.maxBytes <= REASON_TARGET_BYTES,
      },
    ];
    return {
      figures,
      notes: [
        `${tokenCount} distinct tokens each, ${plan.rounds} alternating rounds of ${plan.seconds} s after ${plan.warmupSeconds} s warm-up, ${plan.connections} connections; refusals alternate an unknown namespace and a known namespace with another policy's service account`,
        describeRuns(grantRuns),
        describeRuns(refusalRuns),
        `refusals / grants per round: ${perRound.map((r) => r.toFixed(3)).join(', ')}`,
        `longest reason: ${reasons.longest}`,
        ...issued.notes,
        denied.line,
      ],
      failures: [
        ...unexpectedAnswers(grantRuns),
        ...unexpectedAnswers(refusalRuns),
        ...issued.failures,
        ...(denied.ok ? [] : ['the audit check of the refusals failed']),
        ...(reasons.read === 0 ? ['no denied audit event could be read'] : []),
        ...(reasons.others > 0 ? [`${reasons.others} refusals were not for want of a policy`] : []),
      ],
    };
  },
};
