import type { IdentityFields } from '../identity-fields';
import { NEVER_SHARED, type IdentityPins } from '../identity-pins';

/** What a SPIFFE identity adds to the common fields (API.md): all three are set by every JWT-SVID. */
export const SPIFFE_IDENTITY_FIELDS: IdentityFields = {
  spiffeId: 'string',
  trustDomain: 'string',
  path: 'string',
};

/** A JWT-SVID names its workload by SPIFFE ID only; one platform is one trust domain. */
export const SPIFFE_IDENTITY_PINS: IdentityPins = {
  immutableFields: ['spiffeId', 'trustDomain', 'path', 'subject'],
  mutableNames: [],
  tenantFields: ['trustDomain'],
  sharedIssuer: NEVER_SHARED,
};
