import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { forbiddenAddressReason } from './address-policy';

/** Resolves a host name to every address it has. */
export type HostLookup = (hostname: string) => Promise<string[]>;

export const systemLookup: HostLookup = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Why `url`'s host must not be fetched from (any address it resolves to is forbidden), or
 * `undefined`. A name that does not resolve is not refused here: fetching it fails on its own.
 */
export async function forbiddenHostReason(
  url: string,
  allowPrivate: boolean,
  resolve: HostLookup = systemLookup,
): Promise<string | undefined> {
  const hostname = new URL(url).hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(hostname) === 0 ? await resolve(hostname) : [hostname];
  } catch {
    return undefined;
  }
  for (const address of addresses) {
    const reason = forbiddenAddressReason(address, allowPrivate);
    if (reason !== undefined) return `${hostname} resolves to ${reason}`;
  }
  return undefined;
}
