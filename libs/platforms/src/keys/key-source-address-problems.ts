import type { RegistrationProblem } from '../platform-adapter';
import { forbiddenHostReason, systemLookup, type HostLookup } from './host-addresses';
import type { KeySource } from './key-source';

/**
 * Refuses, at registration, a key source whose host resolves to a link-local or metadata address,
 * or to a private network unless `allowPrivate`: the broker must not be made to fetch from inside
 * its own network. `field` names the body field that holds the URL.
 */
export async function keySourceAddressProblems(
  source: KeySource,
  field: string,
  allowPrivate: boolean,
  resolve: HostLookup = systemLookup,
): Promise<RegistrationProblem[]> {
  const url =
    source.type === 'jwks-uri' || source.type === 'spiffe-bundle'
      ? source.url
      : source.type === 'oidc-discovery'
        ? source.issuer
        : undefined;
  if (url === undefined || !URL.canParse(url)) return [];
  const reason = await forbiddenHostReason(url, allowPrivate, resolve);
  return reason === undefined ? [] : [{ field, message: `${reason}; key sources must be public` }];
}
