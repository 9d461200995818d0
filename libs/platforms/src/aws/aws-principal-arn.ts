/** What an IAM principal's ARN says about it. */
export interface AwsPrincipal {
  accountId: string;
  /** `role`, `assumed-role`, `user`, `federated-user`, `root`, or the ARN's resource type. */
  principalType: string;
  /** For `role` and `assumed-role`: the role's name, without its path. */
  roleName?: string;
  /** For `assumed-role`: the session name. */
  sessionName?: string;
}

const PRINCIPAL_ARN = /^arn:aws(?:-[a-z]+)*:(?:iam|sts)::(\d{12}):([A-Za-z-]+)(?:\/(.+))?$/;

/**
 * Reads an IAM or STS principal ARN: `arn:aws:iam::<account>:role/<path/>name`,
 * `arn:aws:sts::<account>:assumed-role/<role>/<session>`, `…:user/<path/>name`, `…:root`.
 *
 * @returns undefined when `arn` is not a principal ARN.
 */
export function parsePrincipalArn(arn: string): AwsPrincipal | undefined {
  const match = PRINCIPAL_ARN.exec(arn);
  if (match === null) return undefined;
  const [, accountId = '', principalType = '', rest] = match;
  const principal: AwsPrincipal = { accountId, principalType };
  const segments = rest?.split('/') ?? [];
  if (segments.some((segment) => segment === '')) return undefined;
  if (principalType === 'role' && segments.length > 0) {
    principal.roleName = segments[segments.length - 1];
  }
  if (principalType === 'assumed-role' && segments.length === 2) {
    principal.roleName = segments[0];
    principal.sessionName = segments[1];
  }
  return principal;
}
