import type { IdentityFields } from '../identity-fields';
import { NEVER_SHARED, type IdentityPins } from '../identity-pins';

/** What a Kubernetes identity adds to the common fields (API.md). */
export const KUBERNETES_IDENTITY_FIELDS: IdentityFields = {
  namespace: 'string',
  serviceAccount: 'string',
  serviceAccountUid: 'string',
  podName: 'string',
  podUid: 'string',
  nodeName: 'string',
  nodeUid: 'string',
};

/**
 * UIDs are immutable; namespace and service account names (and so `subject`) come back when
 * deleted and recreated. A cluster is one tenant, whatever its issuer.
 */
export const KUBERNETES_IDENTITY_PINS: IdentityPins = {
  immutableFields: ['serviceAccountUid', 'podUid', 'nodeUid'],
  mutableNames: ['namespace', 'serviceAccount', 'podName', 'nodeName', 'subject'],
  tenantFields: [],
  sharedIssuer: NEVER_SHARED,
};
