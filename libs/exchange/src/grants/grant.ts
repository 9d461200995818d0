import type { TokenForm } from '../token-form';

export type GrantKind = 'token-exchange' | 'jwt-bearer' | 'client-credentials';

export const TOKEN_TYPE = {
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
} as const;

/** What a grant asks for, once its parameters are read and before anything is verified. */
export interface GrantRequest {
  kind: GrantKind;
  grantType: string;
  credential: string;
  /** The credential's token type URN; the JWT grants report `…:jwt`. */
  credentialType: string;
  actor?: { token: string; type: string };
  /** RFC 8693 `audience` and `resource` together, or RFC 7523's. */
  targets: string[];
  scopes: string[] | undefined;
  clientId: string | undefined;
  /** A client assertion: `client_id`, when sent, must equal the assertion's `sub`. */
  authenticatesClient: boolean;
  issuedTokenType: string;
}

/** One grant type of the token endpoint: the parameters it reads and how. */
export interface Grant {
  readonly grantType: string;
  readonly kind: GrantKind;
  /** Reads an RFC 7523 §2.2 client assertion; a grant without one refuses any client authentication. */
  readonly authenticatesClient: boolean;
  /** `subjectTokenTypes`: the JWT types plus whatever the platform adapters add. */
  read(form: TokenForm, subjectTokenTypes: ReadonlySet<string>): GrantRequest;
}
