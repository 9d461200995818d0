import type { IdentityFields } from '../identity-fields';

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
