import { isIP } from 'node:net';
import { ConfigError } from './config.error';

const VARIABLE = 'FEDBROKER_TRUSTED_PROXIES';

/**
 * The comma-separated addresses and CIDR ranges (IPv4, IPv6) of `FEDBROKER_TRUSTED_PROXIES`, each
 * checked; an empty list trusts no proxy. A bad entry is named by its position, not its text.
 */
export function trustedProxies(raw: string | undefined): string[] {
  const entries = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  entries.forEach((entry, index) => {
    const problem = cidrProblem(entry);
    if (problem) throw new ConfigError(VARIABLE, `entry ${index + 1} ${problem}`);
  });
  return entries;
}

function cidrProblem(entry: string): string | undefined {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || address.includes('%') || rest.length > 0) {
    return 'is not an IP address or CIDR range';
  }
  if (prefix === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) return `has a prefix length outside 1-${bits}`;
  if (Number(prefix) === 0) return 'has a prefix length of 0, which would trust every address';
  return undefined;
}
