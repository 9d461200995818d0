import { presentCredential } from '../credential/present-credential';
import type { VerifiedCredential } from '../identity';
import type { PlatformAdapter, VerifyContext } from '../platform-adapter';
import type { PlatformConfig } from '../platform-config';

/** Presents `token` as a JWT, as `/token` does, and has `adapter` verify it for `platform`. */
export async function verifyJwtWith(
  adapter: PlatformAdapter,
  token: string,
  platform: PlatformConfig,
  ctx: VerifyContext,
): Promise<VerifiedCredential> {
  return adapter.verify(
    presentCredential(token, 'urn:ietf:params:oauth:token-type:jwt', true),
    platform,
    ctx,
  );
}
