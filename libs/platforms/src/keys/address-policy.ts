import { BlockList, isIP } from 'node:net';

function blockList(ranges: readonly (readonly [string, number, 'ipv4' | 'ipv6'])[]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

/** Cloud metadata services and link-local addresses: never a platform's key source. */
const LINK_LOCAL = blockList([
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
  ['fd00:ec2::', 64, 'ipv6'],
]);

/** Private, shared and otherwise non-public networks (RFC 1918, RFC 6598, RFC 4193, …). */
const PRIVATE = blockList([
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 3, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
]);

/**
 * Why the broker must not fetch keys from `address`, or `undefined` when it may. Link-local and
 * metadata addresses are always refused; private networks unless `allowPrivate` (an in-cluster API
 * server at 10.0.0.1). Loopback is allowed: sidecars and tests.
 */
export function forbiddenAddressReason(address: string, allowPrivate: boolean): string | undefined {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const mapped =
    family === 'ipv6' && /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : undefined;
  if (mapped !== undefined) return forbiddenAddressReason(mapped, allowPrivate);
  if (LINK_LOCAL.check(address, family)) return `${address} is a link-local or metadata address`;
  if (!allowPrivate && PRIVATE.check(address, family)) return `${address} is a private or non-public address`;
  return undefined;
}
