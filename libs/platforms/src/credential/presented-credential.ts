import type { JWSHeaderParameters } from 'jose';

/** A compact JWS decoded without verification: enough to route it, never to trust it. */
export interface DecodedJwt {
  header: JWSHeaderParameters;
  claims: Record<string, unknown>;
}

/** A credential as presented at `/token`, decoded once and shared by every step. */
export interface PresentedCredential {
  readonly token: string;
  /** The token type URN it was presented as (`subject_token_type`, or `…:jwt` for the JWT grants). */
  readonly type: string;
  /** The decoded compact JWS; absent for credentials that are not JWTs (signed requests, documents). */
  readonly jwt: DecodedJwt | undefined;
}
