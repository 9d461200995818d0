import type { IdentityFields } from '../identity-fields';

/** What a SPIFFE identity adds to the common fields (API.md): all three are set by every JWT-SVID. */
export const SPIFFE_IDENTITY_FIELDS: IdentityFields = {
  spiffeId: 'string',
  trustDomain: 'string',
  path: 'string',
};
