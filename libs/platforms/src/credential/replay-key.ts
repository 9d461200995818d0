import { createHash } from 'node:crypto';

/**
 * The key under which one-time use of a credential is recorded: its `jti` when it has one, scoped
 * to its issuer, else the SHA-256 of the credential itself.
 */
export function replayKey(issuer: string, tokenId: string | undefined, token: string): string {
  if (tokenId !== undefined && tokenId !== '') return `jti ${issuer} ${tokenId}`;
  return `sha256 ${createHash('sha256').update(token).digest('base64url')}`;
}
