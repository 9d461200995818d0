import type { IdentityFields } from '../identity-fields';

/**
 * What a Google Cloud identity adds to the common fields (API.md). `serviceAccountId`,
 * `projectNumber` and `instanceId` are immutable; emails, project ids and instance names can be
 * reused after a deletion.
 */
export const GCP_IDENTITY_FIELDS: IdentityFields = {
  serviceAccountId: 'string',
  serviceAccountEmail: 'string',
  projectId: 'string',
  projectNumber: 'string',
  instanceId: 'string',
  instanceName: 'string',
  zone: 'string',
  instanceCreationTimestamp: 'int',
  licenseIds: 'list',
};
