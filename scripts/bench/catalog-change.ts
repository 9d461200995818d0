// The catalog changes the bench times (see change-prober.ts): new policies and patches of them, each
// granting an identity nothing else grants.
import type { BenchBroker } from './broker-process';
import { generatedPolicies, type WorkloadIdentity } from './bench-workload';
import type { CatalogWrite, ChangeTiming } from './change-prober';

/** The identity that only the `k`-th added policy grants, first (`added`) and after its patch (`patched`). */
export function changeIdentity(k: number, stage: 'added' | 'patched'): WorkloadIdentity {
  return { namespace: `change-${k}`, serviceAccount: stage };
}

/** An identity no policy grants, before or after any change. */
export const REFUSED_IDENTITY: WorkloadIdentity = { namespace: 'change-none', serviceAccount: 'refused' };

/** `POST /admin/v1/policies`: a new policy granting {@link changeIdentity}(k, 'added'). */
export function addPolicyWrite(writer: BenchBroker, platform: string, k: number): CatalogWrite {
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
export function patchPolicyWrite(writer: BenchBroker, platform: string, k: number): CatalogWrite {
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
