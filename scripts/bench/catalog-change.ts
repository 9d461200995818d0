// How long one catalog change takes to reach every replica: the write goes to one replica, and each
// replica is asked, again and again, a `/token` exchange that only the change grants, until it grants it.
import { sleep } from '../bench-support';
import type { BenchBroker } from './broker-process';
import { generatedPolicies, type WorkloadIdentity } from './bench-workload';

/** How often a replica is asked whether it serves the change yet. */
const POLL_INTERVAL_MS = 5;

/** After this long without the change, the replica is reported as not serving it. */
const PATIENCE_MS = 15_000;

export interface ChangeTiming {
  /** What was written, e.g. `POST /admin/v1/policies reload-post-3`. */
  write: string;
  /** From sending the write until the writer answered it. */
  answeredMs: number;
  /** Per replica, from sending the write until it first granted the probe: the change took effect. */
  seenMs: number[];
  /** The 200 bodies the probes got (issued tokens: their audit rows are checked). */
  okBodies: string[];
}

async function exchange(broker: BenchBroker, form: string): Promise<{ status: number; text: string }> {
  const response = await fetch(broker.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return { status: response.status, text: await response.text() };
}

/**
 * Sends `write` and measures when each replica first grants `probe`, an exchange form that must be
 * refused (400) before the write and granted after it. Throws when a replica grants it before the
 * write, answers anything but 400 or 200, or does not grant it within 15 s.
 */
export async function timeCatalogChange(
  replicas: readonly BenchBroker[],
  probe: string,
  write: { what: string; send(): Promise<void> },
): Promise<ChangeTiming> {
  for (const replica of replicas) {
    const before = await exchange(replica, probe);
    if (before.status !== 400) {
      throw new Error(`${replica.name}: before ${write.what}, the probe got ${before.status}, not 400`);
    }
  }
  const okBodies: string[] = [];
  const started = performance.now();
  const seenBy = replicas.map(async (replica) => {
    for (;;) {
      const { status, text } = await exchange(replica, probe);
      const elapsed = performance.now() - started;
      if (status === 200) {
        okBodies.push(text);
        return elapsed;
      }
      if (status !== 400)
        throw new Error(`${replica.name}: the probe of ${write.what} got ${status}: ${text}`);
      if (elapsed > PATIENCE_MS) {
        throw new Error(`${replica.name}: ${write.what} not in effect after ${PATIENCE_MS} ms`);
      }
      await sleep(POLL_INTERVAL_MS);
    }
  });
  const answered = write.send().then(() => performance.now() - started);
  const [answeredMs, ...seenMs] = await Promise.all([answered, ...seenBy]);
  return { write: write.what, answeredMs, seenMs, okBodies };
}

/** The identity that only the `k`-th added policy grants, first (`added`) and after its patch (`patched`). */
export function changeIdentity(k: number, stage: 'added' | 'patched'): WorkloadIdentity {
  return { namespace: `change-${k}`, serviceAccount: stage };
}

/** `POST /admin/v1/policies`: a new policy granting {@link changeIdentity}(k, 'added'). */
export function addPolicyWrite(
  writer: BenchBroker,
  platform: string,
  k: number,
): { what: string; send(): Promise<void> } {
  const [template] = generatedPolicies(platform, 1) as Record<string, unknown>[];
  const name = `${platform}-change-${k}`;
  const { namespace, serviceAccount } = changeIdentity(k, 'added');
  return {
    what: `POST /admin/v1/policies ${name}`,
    async send() {
      const { status, body } = await writer.admin('POST', '/admin/v1/policies', {
        ...template,
        name,
        condition: `identity.namespace == '${namespace}' && identity.serviceAccount in ['${serviceAccount}']`,
      });
      if (status !== 201) throw new Error(`POST ${name} answered ${status}: ${JSON.stringify(body)}`);
    },
  };
}

/** `PATCH /admin/v1/policies/<name>` of the `k`-th added policy: it also grants {@link changeIdentity}(k, 'patched'). */
export function patchPolicyWrite(
  writer: BenchBroker,
  platform: string,
  k: number,
): { what: string; send(): Promise<void> } {
  const name = `${platform}-change-${k}`;
  const { namespace } = changeIdentity(k, 'added');
  return {
    what: `PATCH /admin/v1/policies/${name}`,
    async send() {
      const { status, body } = await writer.admin(
        'PATCH',
        `/admin/v1/policies/${name}`,
        {
          condition: `identity.namespace == '${namespace}' && identity.serviceAccount in ['added', 'patched']`,
        },
        { 'content-type': 'application/merge-patch+json', 'if-match': '"1"' },
      );
      if (status !== 200) throw new Error(`PATCH ${name} answered ${status}: ${JSON.stringify(body)}`);
    },
  };
}

/** Every replica's time to effect over all `timings`, ascending. */
export function effectTimes(timings: readonly ChangeTiming[]): number[] {
  return timings.flatMap((timing) => timing.seenMs).sort((a, b) => a - b);
}

/** One note line per change: the write, when it was answered and when each replica served it. */
export function describeChange(timing: ChangeTiming, replicas: readonly BenchBroker[]): string {
  const seen = timing.seenMs.map((ms, i) => `${replicas[i]?.name ?? i} ${ms.toFixed(0)} ms`).join(', ');
  return `${timing.write}: answered in ${timing.answeredMs.toFixed(0)} ms; in effect on ${seen}`;
}
