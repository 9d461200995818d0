// What scenarios exchange: a fake Kubernetes cluster minting projected tokens, the platforms and
// policies that trust them, and a bulk loader for catalogs of any size.
import { randomBytes } from 'node:crypto';
import {
  startFakeKubernetesIssuer,
  type FakeKubernetesIssuer,
} from '../../test/support/fake-kubernetes-issuer';
import { BENCH_BROKER_ISSUER, type BenchBroker } from './broker-process';
import type { BenchEnvironment } from './scenario';

/** The audience the tokens of the issued API carry. */
export const BENCH_API_AUDIENCE = 'https://api.bench.example';

/** The most items one `POST /admin/v1/apply` takes (API limits: 1,000 platforms, 20,000 policies). */
const APPLY_PLATFORM_CHUNK = 1000;
const APPLY_POLICY_CHUNK = 10_000;

export interface BenchWorkload {
  cluster: FakeKubernetesIssuer;
  /** The cluster's public key set, for platforms that carry it inline. */
  jwks: unknown;
  /** The audience of the subject tokens: the broker's token endpoint. */
  subjectAudience: string;
  /** The audience of the issued tokens. */
  apiAudience: string;
}

/** The workload identity one subject token is minted for. */
export interface WorkloadIdentity {
  namespace: string;
  serviceAccount: string;
  /** The token's `iss`, for platforms registered under another issuer with the same inline keys. */
  issuer?: string;
}

/** Starts the cluster (stopped at clean-up); its tokens are ES256 unless `BENCH_ALG=RS256`. */
export async function startWorkload(env: BenchEnvironment): Promise<BenchWorkload> {
  const subjectAudience = `${BENCH_BROKER_ISSUER}/token`;
  const alg = process.env.BENCH_ALG === 'RS256' ? 'RS256' : 'ES256';
  const cluster = await startFakeKubernetesIssuer({ alg, audience: subjectAudience });
  env.cleanups.push(() => cluster.close());
  const jwks: unknown = await (await fetch(cluster.jwksUri)).json();
  return { cluster, jwks, subjectAudience, apiAudience: BENCH_API_AUDIENCE };
}

/** The identity today's bench spreads its tokens over: 20 namespaces of 7 service accounts. */
function teamIdentity(i: number): WorkloadIdentity {
  return { namespace: `team-${i % 20}`, serviceAccount: `worker-${i % 7}` };
}

/** `count` RFC 8693 form bodies, each exchanging a distinct subject token (its own `jti` and pod). */
export async function exchangeBodies(
  workload: BenchWorkload,
  count: number,
  identityOf: (i: number) => WorkloadIdentity = teamIdentity,
): Promise<string[]> {
  const bodies: string[] = [];
  for (let start = 0; start < count; start += 250) {
    const batch = Array.from({ length: Math.min(250, count - start) }, (_, offset) => {
      const { namespace, serviceAccount, issuer } = identityOf(start + offset);
      return workload.cluster.mint({
        namespace,
        serviceAccount,
        podName: `${serviceAccount}-${randomBytes(5).toString('hex')}-${randomBytes(3).toString('hex').slice(0, 5)}`,
        aud: workload.subjectAudience,
        lifetimeSeconds: 3600,
        ...(issuer === undefined ? {} : { iss: issuer }),
      });
    });
    bodies.push(...(await Promise.all(batch)).map(exchangeForm));
  }
  return bodies;
}

function exchangeForm(subjectToken: string): string {
  return new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: subjectToken,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
  }).toString();
}

/**
 * A Kubernetes platform trusting the workload's cluster with its keys inline; under `issuer` when
 * given (tokens minted with that `iss` verify with the same keys), else the cluster's own.
 */
export function kubernetesPlatform(workload: BenchWorkload, name: string, issuer?: string): unknown {
  return {
    name,
    kind: 'kubernetes',
    issuer: issuer ?? workload.cluster.issuer,
    jwks: workload.jwks,
    audiences: [workload.subjectAudience],
  };
}

/** The one policy of the `token` scenario: every `team-*` namespace of platform `platform` gets a token. */
export function teamWorkersPolicy(workload: BenchWorkload, platform: string): unknown {
  return {
    name: 'bench-workers',
    platform,
    condition: "identity.namespace.startsWith('team-')",
    subject: "'k8s:' + identity.namespace + ':' + identity.serviceAccount",
    audiences: [workload.apiAudience],
    scopes: ['bench.read'],
    ttlSeconds: 900,
  };
}

/** The identity that policy `i` of {@link generatedPolicies} (and no other) matches. */
export function generatedIdentity(i: number): WorkloadIdentity {
  return { namespace: `ns-${i}`, serviceAccount: `sa-${i}` };
}

/** The name of policy `i` of {@link generatedPolicies}: names sort in the order of `i`. */
export function generatedPolicyName(platform: string, i: number): string {
  return `${platform}-p${String(i).padStart(6, '0')}`;
}

/**
 * `count` policies shaped like real ones: equality on the namespace and service account, some also
 * on the pod name's prefix or a list of service accounts; policy `i` matches
 * {@link generatedIdentity}(i) only. All have the same priority, so they rank by name, i.e. by `i`.
 */
export function generatedPolicies(
  platform: string,
  count: number,
  options: { apiAudience?: string } = {},
): unknown[] {
  return Array.from({ length: count }, (_, i) => {
    const { namespace, serviceAccount } = generatedIdentity(i);
    const identity = `identity.namespace == '${namespace}' && identity.serviceAccount`;
    const conditions = [
      `${identity} == '${serviceAccount}'`,
      `${identity} == '${serviceAccount}' && identity.podName.startsWith('${serviceAccount}-')`,
      `${identity} in ['${serviceAccount}', '${serviceAccount}-canary']`,
    ];
    return {
      name: generatedPolicyName(platform, i),
      platform,
      condition: conditions[i % conditions.length],
      subject: "'k8s:' + identity.namespace + ':' + identity.serviceAccount",
      audiences: [options.apiAudience ?? BENCH_API_AUDIENCE],
      scopes: ['bench.read'],
      ttlSeconds: 900,
    };
  });
}

/** Creates or updates the documents with `POST /admin/v1/apply`, platforms first, in chunks the API takes. */
export async function applyCatalog(
  broker: BenchBroker,
  documents: { platforms?: unknown[]; policies?: unknown[] },
): Promise<void> {
  const requests: { platforms: unknown[]; policies: unknown[] }[] = [];
  const platforms = documents.platforms ?? [];
  const policies = documents.policies ?? [];
  for (let start = 0; start < platforms.length; start += APPLY_PLATFORM_CHUNK) {
    requests.push({ platforms: platforms.slice(start, start + APPLY_PLATFORM_CHUNK), policies: [] });
  }
  for (let start = 0; start < policies.length; start += APPLY_POLICY_CHUNK) {
    requests.push({ platforms: [], policies: policies.slice(start, start + APPLY_POLICY_CHUNK) });
  }
  for (const body of requests) {
    const { status, body: answer } = await broker.admin('POST', '/admin/v1/apply', body);
    if (status !== 200) {
      throw new Error(
        `${broker.name}: POST /admin/v1/apply answered ${status}: ${JSON.stringify(answer).slice(0, 2000)}`,
      );
    }
  }
}
