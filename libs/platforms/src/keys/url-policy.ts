import { isIP } from 'node:net';

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (host === 'localhost' || host === '::1') {
    return true;
  }
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Why `value` may not be used as an issuer, discovery or key URL, or `undefined` when it may:
 * `https`, or `http` on a loopback host (any host when `allowHttp`), without credentials or
 * fragment.
 */
export function urlProblem(value: string, allowHttp: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return 'must be an https URL';
  }
  if (url.protocol === 'http:' && !allowHttp && !isLoopbackHost(url.hostname)) {
    return 'must be an https URL (http is accepted only on loopback hosts)';
  }
  if (url.username !== '' || url.password !== '') {
    return 'must not carry credentials';
  }
  if (url.hash !== '') {
    return 'must not carry a fragment';
  }
  return undefined;
}
