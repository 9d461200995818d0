import type { IdentityFields } from '../identity-fields';
import { sharedIssuers, type IdentityPins } from '../identity-pins';

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

/** Google signs the identity tokens of every service account of every project with one issuer. */
export const GCP_IDENTITY_PINS: IdentityPins = {
  immutableFields: [
    'serviceAccountId',
    'projectNumber',
    'instanceId',
    'instanceCreationTimestamp',
    'subject',
  ],
  mutableNames: ['serviceAccountEmail', 'projectId', 'instanceName'],
  tenantFields: ['projectNumber', 'serviceAccountId', 'subject'],
  sharedIssuer: sharedIssuers({
    'https://accounts.google.com': 'signs the identity tokens of every Google Cloud project',
  }),
};
