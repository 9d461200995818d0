import { AwsAdapter } from './aws/aws.adapter';
import { azureAdapter } from './azure/azure.adapter';
import { gcpAdapter } from './gcp/gcp.adapter';
import { githubActionsAdapter } from './github-actions/github-actions.adapter';
import { gitlabAdapter } from './gitlab/gitlab.adapter';
import { kubernetesAdapter } from './kubernetes/kubernetes.adapter';
import type { PlatformAdapter } from './platform-adapter';
import { spiffeAdapter } from './spiffe/spiffe.adapter';

/** What the adapters that call out or trust fixed roots need from the broker's configuration. */
export interface DefaultAdapterOptions {
  /** Transport for outbound verifications; default the global `fetch`. */
  fetch?: typeof fetch;
  /** STS origins signed AWS requests may be forwarded to (`{region}`: any region); default AWS's own. */
  awsStsEndpoints?: readonly string[];
}

/**
 * The adapters the broker runs with. Adding a kind is one folder and one line here. Kinds that
 * route by their own keys (trust domain, tenant, account) come before those routed by issuer.
 */
export function defaultAdapters(options: DefaultAdapterOptions = {}): PlatformAdapter[] {
  return [
    spiffeAdapter,
    azureAdapter,
    new AwsAdapter({ fetch: options.fetch, stsEndpoints: options.awsStsEndpoints }),
    kubernetesAdapter,
    gcpAdapter,
    githubActionsAdapter,
    gitlabAdapter,
  ];
}
