import type { JWTPayload } from 'jose';
import { invalidClaim, missingClaim } from '../../errors/claim-errors';
import type { VerificationError } from '../../errors/verification-error';

/** The claim namespace under which AWS STS puts its own claims. */
export const AWS_CLAIM_NAMESPACE = 'https://sts.amazonaws.com/';

/** What a `GetWebIdentityToken` JWT says about the AWS principal besides `sub`. */
export interface WebIdentityFacts {
  accountId: string;
  sourceRegion?: string;
  orgId?: string;
  ouPath?: string;
  principalTags?: Record<string, string>;
  requestTags?: Record<string, string>;
  instanceId?: string;
}

type ClaimObject = Record<string, unknown>;

function isObject(value: unknown): value is ClaimObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(name: string): VerificationError {
  return invalidClaim(`${AWS_CLAIM_NAMESPACE}${name}`);
}

/** An optional string claim; an empty string counts as absent. */
function optionalString(aws: ClaimObject, name: string): string | undefined {
  const value = aws[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(name);
  return value;
}

function optionalTags(aws: ClaimObject, name: string): Record<string, string> | undefined {
  const value = aws[name];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || !Object.values(value).every((tag) => typeof tag === 'string')) throw invalid(name);
  return value as Record<string, string>;
}

function present<K extends string, V>(field: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [field]: value } as Record<K, V>);
}

const INSTANCE_ARN = /^arn:aws(?:-[a-z]+)*:ec2:[a-z0-9-]+:\d{12}:instance\/(i-[0-9a-f]+)$/;

/**
 * Reads the `https://sts.amazonaws.com/` claims of a `GetWebIdentityToken` JWT (IAM User Guide,
 * "Understanding token claims"): `aws_account` is required; the region, organization, tags and
 * the EC2 instance are read when present. The other session claims stay in the raw claims.
 */
export function readWebIdentityClaims(claims: JWTPayload): WebIdentityFacts {
  const aws = claims[AWS_CLAIM_NAMESPACE];
  if (aws === undefined) {
    throw missingClaim(AWS_CLAIM_NAMESPACE);
  }
  if (!isObject(aws)) throw invalidClaim(AWS_CLAIM_NAMESPACE);
  const accountId = optionalString(aws, 'aws_account');
  if (accountId === undefined) {
    throw missingClaim(`${AWS_CLAIM_NAMESPACE}aws_account`);
  }
  if (!/^\d{12}$/.test(accountId)) throw invalid('aws_account');
  const instanceArn = optionalString(aws, 'ec2_source_instance_arn');
  const instanceId = instanceArn === undefined ? undefined : INSTANCE_ARN.exec(instanceArn)?.[1];
  if (instanceArn !== undefined && instanceId === undefined) throw invalid('ec2_source_instance_arn');
  return {
    accountId,
    ...present('sourceRegion', optionalString(aws, 'source_region')),
    ...present('orgId', optionalString(aws, 'org_id')),
    ...present('ouPath', optionalString(aws, 'ou_path')),
    ...present('principalTags', optionalTags(aws, 'principal_tags')),
    ...present('requestTags', optionalTags(aws, 'request_tags')),
    ...present('instanceId', instanceId),
  };
}
