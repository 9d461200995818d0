import type { Identity } from '../identity';
import type { PlatformConfig } from '../platform-config';
import type { AwsCredentialForm } from './aws-credential-forms';

/** The common identity fields of one verified AWS credential. */
export interface AwsIdentityBase {
  subject: string;
  audience: string[];
  tokenId?: string;
  issuedAt?: number;
  expiresAt: number;
}

/**
 * The normalized identity of a verified AWS credential: the common fields, `credentialType`, and
 * the AWS fields the credential carries (`fields` holds no undefined values).
 */
export function awsIdentity(
  platform: PlatformConfig,
  credentialType: AwsCredentialForm,
  base: AwsIdentityBase,
  fields: Record<string, unknown>,
): Identity {
  return {
    platform: platform.name,
    kind: 'aws',
    issuer: platform.issuer,
    ...base,
    credentialType,
    ...fields,
  };
}
