import type { ClaimField } from '../claims/claim-field';
import { identityFieldsOf } from '../claims/claim-field';
import type { IdentityFields } from '../identity-fields';
import { sharedIssuers, type IdentityPins } from '../identity-pins';

/**
 * The claims of an Actions OIDC token that become identity fields. The `*Id` fields are immutable
 * (a renamed or recycled repository, owner or account gets a new name, never a new ID); every name
 * may change hands.
 */
export const GITHUB_ACTIONS_CLAIM_FIELDS: readonly ClaimField[] = [
  { claim: 'repository', field: 'repository', type: 'text', required: true },
  { claim: 'repository_id', field: 'repositoryId', type: 'id', required: true },
  { claim: 'repository_owner', field: 'repositoryOwner', type: 'text', required: true },
  { claim: 'repository_owner_id', field: 'repositoryOwnerId', type: 'id', required: true },
  { claim: 'repository_visibility', field: 'repositoryVisibility', type: 'text' },
  { claim: 'enterprise', field: 'enterprise', type: 'text' },
  { claim: 'enterprise_id', field: 'enterpriseId', type: 'id' },
  { claim: 'ref', field: 'ref', type: 'text' },
  { claim: 'ref_type', field: 'refType', type: 'text' },
  { claim: 'ref_protected', field: 'refProtected', type: 'flag' },
  { claim: 'head_ref', field: 'headRef', type: 'text' },
  { claim: 'base_ref', field: 'baseRef', type: 'text' },
  { claim: 'sha', field: 'sha', type: 'text' },
  { claim: 'environment', field: 'environment', type: 'text' },
  { claim: 'event_name', field: 'eventName', type: 'text' },
  { claim: 'workflow_ref', field: 'workflowRef', type: 'text' },
  { claim: 'workflow_sha', field: 'workflowSha', type: 'text' },
  { claim: 'job_workflow_ref', field: 'jobWorkflowRef', type: 'text' },
  { claim: 'job_workflow_sha', field: 'jobWorkflowSha', type: 'text' },
  { claim: 'runner_environment', field: 'runnerEnvironment', type: 'text' },
  { claim: 'actor', field: 'actor', type: 'text' },
  { claim: 'actor_id', field: 'actorId', type: 'id' },
  { claim: 'run_id', field: 'runId', type: 'id' },
  { claim: 'run_attempt', field: 'runAttempt', type: 'id' },
];

/** What a GitHub Actions identity adds to the common fields (API.md). */
export const GITHUB_ACTIONS_IDENTITY_FIELDS: IdentityFields = identityFieldsOf(GITHUB_ACTIONS_CLAIM_FIELDS);

/**
 * github.com's issuer signs the tokens of every repository on github.com; an enterprise's own
 * issuer (`…/<enterprise-slug>`), GHE.com and GitHub Enterprise Server serve one enterprise. The
 * classic `sub` and the workflow refs embed repository names.
 */
export const GITHUB_ACTIONS_IDENTITY_PINS: IdentityPins = {
  immutableFields: ['repositoryId', 'repositoryOwnerId', 'enterpriseId', 'actorId'],
  mutableNames: [
    'repository',
    'repositoryOwner',
    'enterprise',
    'actor',
    'workflowRef',
    'jobWorkflowRef',
    'subject',
  ],
  tenantFields: ['repositoryOwnerId', 'repositoryId', 'enterpriseId'],
  sharedIssuer: sharedIssuers({
    'https://token.actions.githubusercontent.com': 'signs the tokens of every repository on github.com',
  }),
};
