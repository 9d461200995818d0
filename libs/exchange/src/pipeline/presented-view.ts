import type { DecodedJwt, PresentedCredential } from '@fedbroker/platforms';

/** A credential as explain shows it: what the checks looked at, unverified. */
export interface PresentedView {
  /** The token type it was presented as. */
  tokenType: string;
  /** Its JOSE header, decoded without verification; null when it is not a JWT or does not decode. */
  header: DecodedJwt['header'] | null;
  /** Its claims, decoded without verification; null when it is not a JWT or does not decode. */
  claims: Record<string, unknown> | null;
}

/** The view of a credential presented as `tokenType`, decoded (`presented`) or not. */
export function presentedView(presented: PresentedCredential | undefined, tokenType: string): PresentedView {
  const jwt = presented?.jwt;
  return { tokenType, header: jwt?.header ?? null, claims: jwt?.claims ?? null };
}
