/** Path prefixes of the operator endpoints, which a separate admin listener serves alone. */
const OPERATOR_PREFIXES = ['/admin', '/metrics', '/openapi.json', '/docs', '/console'];

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The path of `url`, each segment decoded where it can be (`/%61dmin/%ZZ` is `/admin/%ZZ`). */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  const raw = query === -1 ? url : url.slice(0, query);
  return raw.includes('%') ? raw.split('/').map(decoded).join('/') : raw;
}

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Whether `url` is for an operator endpoint, judged on the decoded path as the router judges it. */
export function isOperatorPath(url: string): boolean {
  const path = pathOf(url);
  return OPERATOR_PREFIXES.some((prefix) => under(path, prefix));
}

/** Whether `url` is for the admin API, whose bodies are JSON and whose errors are problem+json. */
export function isAdminApiPath(url: string): boolean {
  return under(pathOf(url), '/admin');
}
