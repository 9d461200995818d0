import {
  describeKey,
  showValue,
  VerificationError,
  type PlatformConfig,
  type PresentedCredential,
} from '@fedbroker/platforms';
import type { CatalogSnapshot } from '@fedbroker/catalog';

/**
 * The platform of a credential whose issuer is registered, by key id, though no platform answers
 * to the key id its header names (or it names none): the one platform of `kind` found by that
 * issuer verifies it (a token without `kid` may match any of its keys; an unknown `kid` is its
 * `key_not_found`). Several such platforms, told apart by key id only, cannot say whose it is.
 *
 * @returns undefined when no platform of `kind` is found by that issuer.
 * @throws {VerificationError} `key_not_found`, naming the platforms and the key, for several.
 */
export function platformByKeyId(
  snapshot: CatalogSnapshot,
  routes: readonly string[],
  kind: PlatformConfig['kind'],
  credential: PresentedCredential,
): PlatformConfig | undefined {
  const platforms = snapshot.platformsOfIssuer(routes).filter((platform) => platform.kind === kind);
  if (platforms.length <= 1) return platforms[0];
  const [{ issuer }] = platforms as [PlatformConfig];
  throw new VerificationError(
    'key_not_found',
    `no key of the platforms of issuer ${showValue(issuer)} matches the token: ` +
      `${describeKey(credential.jwt?.header)}; platforms ${platforms.map((p) => p.name).join(', ')} ` +
      'answer to it, told apart by key id',
  );
}
