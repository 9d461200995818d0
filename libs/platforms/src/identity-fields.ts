/** The CEL type of one normalized identity field. */
export type IdentityFieldType = 'string' | 'bool' | 'int' | 'list' | 'map';

/** Field name to type: what a policy may read from `identity` for one kind. */
export type IdentityFields = Readonly<Record<string, IdentityFieldType>>;

/** The fields every kind sets (API.md, "The normalized identity"). */
export const COMMON_IDENTITY_FIELDS: IdentityFields = {
  platform: 'string',
  kind: 'string',
  issuer: 'string',
  subject: 'string',
  audience: 'list',
  tokenId: 'string',
  issuedAt: 'int',
  expiresAt: 'int',
};
