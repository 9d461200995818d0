import type { ClaimField } from '../claims/claim-field';
import { identityFieldsOf } from '../claims/claim-field';
import type { IdentityFields } from '../identity-fields';
import { sharedIssuers, type IdentityPins } from '../identity-pins';

/**
 * The claims of a GitLab CI ID token that become identity fields. `project_*` and `namespace_*`
 * name the merge request's source project (a fork's, in a fork's merge request pipeline), and
 * `job_project_*` and `job_namespace_*` (GitLab 18.4) the project the job runs in. IDs are
 * immutable, paths and logins are not.
 */
export const GITLAB_CLAIM_FIELDS: readonly ClaimField[] = [
  { claim: 'namespace_id', field: 'namespaceId', type: 'id', required: true },
  { claim: 'namespace_path', field: 'namespacePath', type: 'text', required: true },
  { claim: 'project_id', field: 'projectId', type: 'id', required: true },
  { claim: 'project_path', field: 'projectPath', type: 'text', required: true },
  { claim: 'project_visibility', field: 'projectVisibility', type: 'text' },
  { claim: 'job_project_id', field: 'jobProjectId', type: 'id' },
  { claim: 'job_project_path', field: 'jobProjectPath', type: 'text' },
  { claim: 'job_namespace_id', field: 'jobNamespaceId', type: 'id' },
  { claim: 'job_namespace_path', field: 'jobNamespacePath', type: 'text' },
  { claim: 'ref', field: 'ref', type: 'text' },
  { claim: 'ref_type', field: 'refType', type: 'text' },
  { claim: 'ref_path', field: 'refPath', type: 'text' },
  { claim: 'ref_protected', field: 'refProtected', type: 'flag' },
  { claim: 'environment', field: 'environment', type: 'text' },
  { claim: 'environment_protected', field: 'environmentProtected', type: 'flag' },
  { claim: 'deployment_tier', field: 'deploymentTier', type: 'text' },
  { claim: 'pipeline_source', field: 'pipelineSource', type: 'text' },
  { claim: 'pipeline_id', field: 'pipelineId', type: 'id' },
  { claim: 'job_id', field: 'jobId', type: 'id' },
  { claim: 'user_id', field: 'userId', type: 'id' },
  { claim: 'user_login', field: 'userLogin', type: 'text' },
  { claim: 'ci_config_ref_uri', field: 'ciConfigRefUri', type: 'text' },
  { claim: 'ci_config_sha', field: 'ciConfigSha', type: 'text' },
  { claim: 'runner_id', field: 'runnerId', type: 'id' },
  { claim: 'runner_environment', field: 'runnerEnvironment', type: 'text' },
  { claim: 'sha', field: 'sha', type: 'text' },
];

/** What a GitLab identity adds to the common fields (API.md). */
export const GITLAB_IDENTITY_FIELDS: IdentityFields = identityFieldsOf(GITLAB_CLAIM_FIELDS);

/** gitlab.com signs the tokens of every project on it; a self-managed instance is one tenant. */
export const GITLAB_IDENTITY_PINS: IdentityPins = {
  immutableFields: ['projectId', 'namespaceId', 'userId', 'jobProjectId', 'jobNamespaceId'],
  mutableNames: [
    'projectPath',
    'namespacePath',
    'jobProjectPath',
    'jobNamespacePath',
    'userLogin',
    'ciConfigRefUri',
    'subject',
  ],
  tenantFields: ['namespaceId', 'projectId', 'jobNamespaceId', 'jobProjectId'],
  sharedIssuer: sharedIssuers({ 'https://gitlab.com': 'signs the tokens of every project on gitlab.com' }),
};
