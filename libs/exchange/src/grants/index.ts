import { clientCredentialsGrant } from './client-credentials.grant';
import type { Grant } from './grant';
import { jwtBearerGrant } from './jwt-bearer.grant';
import { tokenExchangeGrant } from './token-exchange.grant';

export { TOKEN_TYPE, type Grant, type GrantKind, type GrantRequest } from './grant';

/** The grants `/token` serves, by `grant_type`. */
export const GRANTS: ReadonlyMap<string, Grant> = new Map(
  [tokenExchangeGrant, jwtBearerGrant, clientCredentialsGrant].map((g) => [g.grantType, g]),
);
