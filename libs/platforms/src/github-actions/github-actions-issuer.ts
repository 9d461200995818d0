const ISSUER_FORMS: readonly RegExp[] = [
  /^https:\/\/token\.actions\.githubusercontent\.com(?:\/[A-Za-z0-9][A-Za-z0-9-]*)?$/,
  /^https:\/\/token\.actions\.[a-z0-9][a-z0-9-]*\.ghe\.com$/,
  /^https?:\/\/[^/?#@]+\/_services\/token$/,
];

/**
 * Why `issuer` is not one of the issuers GitHub Actions uses, or `undefined` when it is:
 * `https://token.actions.githubusercontent.com`, the same followed by `/<enterprise-slug>` (an
 * enterprise's unique issuer), `https://token.actions.<subdomain>.ghe.com` (GHE.com), or
 * `https://<host>/_services/token` (GitHub Enterprise Server). Tokens are matched on the exact
 * string, so a trailing slash would match none.
 */
export function githubActionsIssuerProblem(issuer: string): string | undefined {
  if (ISSUER_FORMS.some((form) => form.test(issuer))) return undefined;
  return (
    'must be https://token.actions.githubusercontent.com, optionally followed by /<enterprise-slug>, ' +
    'https://token.actions.<subdomain>.ghe.com, or https://<ghes-host>/_services/token'
  );
}
