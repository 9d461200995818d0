import type { IdentityFields } from '../identity-fields';
import { NEVER_SHARED, type IdentityPins } from '../identity-pins';

/**
 * What an AWS identity adds to the common fields (API.md), across its three credentials; each
 * credential fills the fields it carries. Immutable: `accountId`, `principalId` (the IAM unique
 * ID), `instanceId`. Names (`arn`, `roleName`…) can be deleted and created again for someone else.
 */
export const AWS_IDENTITY_FIELDS: IdentityFields = {
  credentialType: 'string',
  accountId: 'string',
  arn: 'string',
  principalType: 'string',
  principalId: 'string',
  roleName: 'string',
  sessionName: 'string',
  orgId: 'string',
  ouPath: 'string',
  sourceRegion: 'string',
  principalTags: 'map',
  requestTags: 'map',
  instanceId: 'string',
  region: 'string',
  availabilityZone: 'string',
  imageId: 'string',
  instanceType: 'string',
  architecture: 'string',
  privateIp: 'string',
};

/** One platform is one account: its issuer and its signed requests name that account only. */
export const AWS_IDENTITY_PINS: IdentityPins = {
  immutableFields: ['accountId', 'principalId', 'instanceId', 'orgId'],
  mutableNames: ['arn', 'roleName', 'sessionName'],
  tenantFields: ['accountId'],
  sharedIssuer: NEVER_SHARED,
};
