/** The CEL type of one field of a policy variable. */
export type FieldType = 'string' | 'bool' | 'int' | 'list' | 'map';

/**
 * The fields a policy may read, known when it is saved: `identity` per its platform's kind, `actor`
 * from every kind (an actor token may come from any platform). `request` is the same for all.
 */
export interface PolicySchema {
  /** The platform kind, to name in problems. */
  kind: string;
  identity: Readonly<Record<string, FieldType>>;
  actor: Readonly<Record<string, FieldType>>;
}

/** The fields of the `request` variable. */
export const REQUEST_FIELDS: Readonly<Record<string, FieldType>> = {
  audience: 'list',
  scopes: 'list',
  grantType: 'string',
};
