import type { JWTPayload } from 'jose';
import { invalidClaim, missingClaim } from '../errors/claim-errors';

/** The workload facts a projected service-account token carries. */
export interface KubernetesClaims {
  namespace: string;
  serviceAccount: string;
  serviceAccountUid: string;
  podName?: string;
  podUid?: string;
  nodeName?: string;
  nodeUid?: string;
}

type ClaimObject = Record<string, unknown>;

function isObject(value: unknown): value is ClaimObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalObject(parent: ClaimObject, name: string, path: string): ClaimObject | undefined {
  const value = parent[name];
  if (value === undefined) {
    return undefined;
  }
  if (!isObject(value)) {
    throw invalidClaim(path);
  }
  return value;
}

function optionalString(parent: ClaimObject | undefined, name: string, path: string): string | undefined {
  const value = parent?.[name];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || value === '') {
    throw invalidClaim(path);
  }
  return value;
}

function requiredString(parent: ClaimObject | undefined, name: string, path: string): string {
  const value = optionalString(parent, name, path);
  if (value === undefined) {
    throw missingClaim(path);
  }
  return value;
}

function present<K extends string>(field: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [field]: value } as Record<K, string>);
}

/**
 * Reads the nested `kubernetes.io` claim of a projected token (namespace, service account name
 * and uid required; pod and node optional) and requires
 * `sub == system:serviceaccount:<namespace>:<name>`.
 */
export function readKubernetesClaims(claims: JWTPayload): KubernetesClaims {
  const root = optionalObject(claims, 'kubernetes.io', 'kubernetes.io');
  if (root === undefined) {
    throw missingClaim('kubernetes.io');
  }
  const serviceAccountClaim = optionalObject(root, 'serviceaccount', 'kubernetes.io.serviceaccount');
  const pod = optionalObject(root, 'pod', 'kubernetes.io.pod');
  const node = optionalObject(root, 'node', 'kubernetes.io.node');
  const namespace = requiredString(root, 'namespace', 'kubernetes.io.namespace');
  const serviceAccount = requiredString(serviceAccountClaim, 'name', 'kubernetes.io.serviceaccount.name');
  const serviceAccountUid = requiredString(serviceAccountClaim, 'uid', 'kubernetes.io.serviceaccount.uid');
  if (requiredString(claims, 'sub', 'sub') !== `system:serviceaccount:${namespace}:${serviceAccount}`) {
    throw invalidClaim('sub', 'the "sub" claim does not name the service account');
  }
  return {
    namespace,
    serviceAccount,
    serviceAccountUid,
    ...present('podName', optionalString(pod, 'name', 'kubernetes.io.pod.name')),
    ...present('podUid', optionalString(pod, 'uid', 'kubernetes.io.pod.uid')),
    ...present('nodeName', optionalString(node, 'name', 'kubernetes.io.node.name')),
    ...present('nodeUid', optionalString(node, 'uid', 'kubernetes.io.node.uid')),
  };
}
