/**
 * Why `issuer` is not a GitLab instance URL as GitLab writes it in `iss`, or `undefined` when it
 * is: the instance's external URL, with the relative URL root of an instance installed under a
 * path (`https://example.com/gitlab`), and no trailing slash, query or fragment, since tokens are
 * matched on the exact string.
 */
export function gitlabIssuerProblem(issuer: string): string | undefined {
  if (!/[?#]/.test(issuer) && !issuer.endsWith('/')) return undefined;
  return (
    'must be the GitLab instance URL as its tokens name it, without a trailing slash ' +
    '(https://gitlab.com, https://example.com/gitlab)'
  );
}
