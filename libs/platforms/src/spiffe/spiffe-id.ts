/** SPIFFE-ID §2.3: a SPIFFE ID is at most 2048 bytes long. */
export const MAX_SPIFFE_ID_BYTES = 2048;
/** A trust domain name is at most 255 bytes long (SPIFFE-ID §2), as a DNS name is. */
export const MAX_TRUST_DOMAIN_BYTES = 255;

const SCHEME = 'spiffe://';
const TRUST_DOMAIN_CHARACTERS = /^[a-z0-9._-]+$/;
const PATH_SEGMENT_CHARACTERS = /^[A-Za-z0-9._-]+$/;

/** A SPIFFE ID split into its trust domain name and path, or why it is not one. */
export type ParsedSpiffeId =
  { valid: true; trustDomain: string; path: string } | { valid: false; problem: string };

/**
 * Why `name` is not a trust domain name (SPIFFE-ID §2.1: lowercase letters, digits, `.`, `-` and
 * `_`; at most 255 bytes), or `undefined` when it is one.
 */
export function trustDomainProblem(name: string): string | undefined {
  if (name === '') return 'the trust domain is missing';
  if (Buffer.byteLength(name) > MAX_TRUST_DOMAIN_BYTES) {
    return `the trust domain is longer than ${MAX_TRUST_DOMAIN_BYTES} bytes`;
  }
  if (!TRUST_DOMAIN_CHARACTERS.test(name)) {
    return 'trust domain characters are limited to lowercase letters, digits, dots, dashes and underscores';
  }
  return undefined;
}

/** SPIFFE-ID §2.2: `/`-separated segments of letters, digits, `.`, `-`, `_`; none empty, `.` or `..`. */
function pathProblem(path: string): string | undefined {
  if (path === '') return undefined;
  if (path.endsWith('/')) return 'the path cannot have a trailing slash';
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') return 'the path cannot contain empty segments';
    if (segment === '.' || segment === '..') return 'the path cannot contain dot segments';
    if (!PATH_SEGMENT_CHARACTERS.test(segment)) {
      return 'path segment characters are limited to letters, digits, dots, dashes and underscores';
    }
  }
  return undefined;
}

/**
 * Parses a SPIFFE ID (SPIFFE-ID §2): `spiffe://<trust domain><path>`, in lowercase scheme, with no
 * port, userinfo, query, fragment or percent-encoding, since none of their characters is allowed.
 */
export function parseSpiffeId(value: string): ParsedSpiffeId {
  if (!value.startsWith(SCHEME)) return { valid: false, problem: 'the scheme is missing or is not spiffe' };
  if (Buffer.byteLength(value) > MAX_SPIFFE_ID_BYTES) {
    return { valid: false, problem: `it is longer than ${MAX_SPIFFE_ID_BYTES} bytes` };
  }
  const rest = value.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  const problem = trustDomainProblem(trustDomain) ?? pathProblem(path);
  return problem === undefined ? { valid: true, trustDomain, path } : { valid: false, problem };
}

/** The trust domain's own SPIFFE ID, `spiffe://<trust domain>`. */
export function trustDomainId(trustDomain: string): string {
  return `${SCHEME}${trustDomain}`;
}

/** Whether `value` is written as a SPIFFE ID (begins with `spiffe://`), valid or not. */
export function hasSpiffeScheme(value: string): boolean {
  return value.startsWith(SCHEME);
}
