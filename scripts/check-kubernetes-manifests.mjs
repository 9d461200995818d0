// Renders deploy/kubernetes with `kubectl kustomize` and checks every object: against the Kubernetes
// API schemas (the npm package kubernetes-models, a devDependency), with
// no field the schema does not know, and for what the deployment promises (probes, restricted
// security context, secrets from a Secret, the example's token audience).
// Usage: node scripts/check-kubernetes-manifests.mjs
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { parseAllDocuments } from 'yaml';

const BASE = 'deploy/kubernetes/base';
const OVERLAY = 'deploy/kubernetes/overlays/example';
const WORKLOAD = 'deploy/kubernetes/examples/workload';
const SECRET_VARIABLES = ['DATABASE_URL', 'FEDBROKER_ADMIN_TOKEN', 'FEDBROKER_KEY_ENCRYPTION_KEY'];

const require = createRequire(import.meta.url);
const problems = [];
const check = (condition, where, problem) => {
  if (!condition) problems.push(`${where}: ${problem}`);
};

function render(directory) {
  const text = execFileSync('kubectl', ['kustomize', directory], { encoding: 'utf8' });
  return parseAllDocuments(text).map((document) => document.toJS());
}

function modelOf(apiVersion, kind) {
  let module;
  try {
    module = require(`kubernetes-models/${apiVersion}`);
  } catch (error) {
    if (error.code === 'MODULE_NOT_FOUND' && String(error.message).includes("'kubernetes-models")) {
      throw new Error(
        'the npm package kubernetes-models (4.x) is needed: install it or put it on NODE_PATH',
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  return module[kind];
}

/** A view of `value` that records which of its members a validator reads: the others are unknown. */
function tracked(value, path, unread) {
  if (value === null || typeof value !== 'object') return value;
  if (!Array.isArray(value)) for (const key of Object.keys(value)) unread.add(`${path}/${key}`);
  return new Proxy(value, {
    get(target, property, receiver) {
      if (typeof property === 'string' && Object.hasOwn(target, property)) {
        unread.delete(`${path}/${property}`);
        return tracked(target[property], `${path}/${property}`, unread);
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

function validateSchema(object, where) {
  const Model = modelOf(object.apiVersion, object.kind);
  if (Model === undefined) return check(false, where, 'no schema for this apiVersion and kind');
  const unread = new Set();
  try {
    Model.prototype.validate.call(tracked(object, '', unread));
  } catch (error) {
    check(false, where, error.message);
  }
  for (const path of unread)
    check(false, where, `${path} is not a field of ${object.apiVersion} ${object.kind}`);
}

function checkRestricted(podSpec, where) {
  const pod = podSpec.securityContext ?? {};
  check(pod.runAsNonRoot === true, where, 'the pod must run as non-root');
  check(
    pod.seccompProfile?.type === 'RuntimeDefault',
    where,
    'the pod needs the RuntimeDefault seccomp profile',
  );
  check(
    podSpec.automountServiceAccountToken === false,
    where,
    'no service-account token is mounted by default',
  );
  for (const container of podSpec.containers) {
    const at = `${where} container ${container.name}`;
    const context = container.securityContext ?? {};
    check(context.allowPrivilegeEscalation === false, at, 'allowPrivilegeEscalation must be false');
    check(context.readOnlyRootFilesystem === true, at, 'the root filesystem must be read-only');
    check(context.capabilities?.drop?.includes('ALL'), at, 'every capability must be dropped');
    check(
      container.resources?.requests?.cpu && container.resources?.requests?.memory,
      at,
      'needs resource requests',
    );
  }
}

function checkBroker(objects, where) {
  const byKind = (kind) => objects.filter((object) => object.kind === kind);
  const [deployment] = byKind('Deployment');
  check(deployment !== undefined, where, 'no Deployment');
  if (deployment === undefined) return;
  const pod = deployment.spec.template;
  const matches = (selector) =>
    Object.entries(selector ?? {}).every(([label, value]) => pod.metadata.labels[label] === value);
  check(deployment.spec.replicas === 2, where, 'the broker runs two replicas');
  const broker = pod.spec.containers[0];
  check(broker.readinessProbe?.httpGet?.path === '/readyz', where, 'readiness is /readyz');
  check(broker.livenessProbe?.httpGet?.path === '/healthz', where, 'liveness is /healthz');
  for (const name of SECRET_VARIABLES) {
    const variable = broker.env?.find((entry) => entry.name === name);
    check(variable?.valueFrom?.secretKeyRef !== undefined, where, `${name} comes from a Secret`);
  }
  checkHeapLimit(broker, where);
  checkRestricted(pod.spec, `${where} Deployment`);
  check(
    byKind('PodDisruptionBudget').some((pdb) => matches(pdb.spec.selector.matchLabels)),
    where,
    'no PodDisruptionBudget for the pods',
  );
  check(
    byKind('Service').some((service) => matches(service.spec.selector)),
    where,
    'no Service for the pods',
  );
  check(
    byKind('NetworkPolicy').some((policy) => matches(policy.spec.podSelector.matchLabels)),
    where,
    'no NetworkPolicy for the pods',
  );
}

/** The V8 heap limit (NODE_OPTIONS) leaves a quarter of the memory limit to the rest of the process. */
function checkHeapLimit(broker, where) {
  const options = broker.env?.find((entry) => entry.name === 'NODE_OPTIONS')?.value ?? '';
  const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(options)?.[1]);
  const limitMiB = mebibytes(broker.resources?.limits?.memory);
  check(Number.isFinite(heapMiB), where, 'NODE_OPTIONS sets --max-old-space-size');
  check(
    heapMiB <= limitMiB * 0.75,
    where,
    `a heap limit of ${heapMiB} MiB leaves too little of the ${limitMiB} MiB memory limit`,
  );
}

/** A Kubernetes memory quantity in Mi or Gi, in MiB; NaN otherwise. */
function mebibytes(quantity) {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity ?? '');
  if (match === null) return Number.NaN;
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

function checkWorkload(objects, issuer, where) {
  const [deployment] = objects.filter((object) => object.kind === 'Deployment');
  check(deployment !== undefined, where, 'no Deployment');
  if (deployment === undefined) return;
  checkRestricted(deployment.spec.template.spec, `${where} Deployment`);
  const audiences = deployment.spec.template.spec.volumes.flatMap((volume) =>
    (volume.projected?.sources ?? []).map((source) => source.serviceAccountToken?.audience),
  );
  check(audiences.includes(`${issuer}/token`), where, `the projected token's audience is ${issuer}/token`);
}

const rendered = new Map([BASE, OVERLAY, WORKLOAD].map((directory) => [directory, render(directory)]));
for (const [directory, objects] of rendered) {
  for (const object of objects)
    validateSchema(object, `${directory}: ${object.kind} ${object.metadata?.name}`);
}
checkBroker(rendered.get(BASE), BASE);
checkBroker(rendered.get(OVERLAY), OVERLAY);
const config = rendered.get(OVERLAY).find((object) => object.kind === 'ConfigMap');
checkWorkload(rendered.get(WORKLOAD), config?.data?.FEDBROKER_ISSUER, WORKLOAD);

const count = [...rendered.values()].reduce((sum, objects) => sum + objects.length, 0);
if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`kubernetes manifests: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`kubernetes manifests: ${count} objects rendered and valid`);
