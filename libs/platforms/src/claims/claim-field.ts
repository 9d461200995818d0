import type { IdentityFields } from '../identity-fields';

/**
 * How a raw claim becomes an identity field: `text` stays a string, `id` is a decimal identifier
 * sent as a string or a number and kept as a string, `flag` is a boolean sent as `true`/`false` or
 * as the strings `"true"`/`"false"` and kept as a boolean.
 */
export type ClaimFieldType = 'text' | 'id' | 'flag';

/** One claim a kind reads into its normalized identity. */
export interface ClaimField {
  /** The claim's name in the token. */
  claim: string;
  /** The identity field it becomes. */
  field: string;
  type: ClaimFieldType;
  /** Refuse a token without it; otherwise an absent claim leaves the field absent. */
  required?: boolean;
}

/** The identity fields, with their CEL types, that a claim table produces. */
export function identityFieldsOf(table: readonly ClaimField[]): IdentityFields {
  return Object.fromEntries(table.map(({ field, type }) => [field, type === 'flag' ? 'bool' : 'string']));
}
