import { createHash, randomBytes } from 'node:crypto';

/** Temporary or long-term AWS credentials a fake STS knows, and whom they belong to. */
export interface AwsPrincipalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** What `GetCallerIdentity` answers for them. */
  account: string;
  arn: string;
  userId: string;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer, length: number): string {
  return [...bytes]
    .map((byte) => BASE32[byte % 32])
    .join('')
    .slice(0, length);
}

/** An IAM unique ID (`AROA…`, `AIDA…`): 21 characters, stable for one account and name. */
export function uniqueId(prefix: 'AROA' | 'AIDA', account: string, name: string): string {
  return prefix + base32(createHash('sha256').update(`${prefix}/${account}/${name}`).digest(), 17);
}

/** Credentials of a role session (`AssumeRole`): `ASIA…` key, session token, `assumed-role` ARN. */
export function roleSession(account: string, roleName: string, sessionName: string): AwsPrincipalCredentials {
  return {
    accessKeyId: `ASIA${base32(randomBytes(16), 16)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(96).toString('base64'),
    account,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    userId: `${uniqueId('AROA', account, roleName)}:${sessionName}`,
  };
}

/** Long-term credentials of an IAM user: `AKIA…` key, `user` ARN. */
export function userKeys(account: string, userName: string): AwsPrincipalCredentials {
  return {
    accessKeyId: `AKIA${base32(randomBytes(16), 16)}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    account,
    arn: `arn:aws:iam::${account}:user/${userName}`,
    userId: uniqueId('AIDA', account, userName),
  };
}
