import { z } from 'zod';
import { invalidClaim, missingClaim } from '../../errors/claim-errors';
import { showValue } from '../../errors/show-value';
import { VerificationError } from '../../errors/verification-error';
import { AWS_REGION } from '../aws-settings.schema';

/** The instance identity document (EC2 User Guide, "Instance identity documents"), as fedbroker reads it. */
export interface InstanceDocument {
  accountId: string;
  instanceId: string;
  region: string;
  availabilityZone: string;
  /** `pendingTime` in seconds since the epoch: when the instance last started. */
  pendingTime: number;
  imageId?: string;
  instanceType?: string;
  architecture?: string;
  privateIp?: string;
  /** Every member of the document, as signed. */
  raw: Record<string, unknown>;
}

/** Optional members are `null` in documents that lack them (`kernelId`, `ramdiskId`…). */
const optional = z.string().min(1).max(256).nullish();

const documentSchema = z.looseObject({
  accountId: z.string().regex(/^\d{12}$/),
  instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/),
  region: z.string().regex(AWS_REGION),
  availabilityZone: z.string().min(1).max(64),
  pendingTime: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
  imageId: optional,
  instanceType: optional,
  architecture: optional,
  privateIp: optional,
});

function present<K extends string>(field: K, value: string | null | undefined): Partial<Record<K, string>> {
  return value === undefined || value === null ? {} : ({ [field]: value } as Record<K, string>);
}

/**
 * Parses an instance identity document: `accountId`, `instanceId`, `region`, `availabilityZone`
 * (in that region) and `pendingTime` are required; `imageId`, `instanceType`, `architecture`,
 * `privateIp` are read when present.
 *
 * @throws {VerificationError} `malformed`, `missing_claim` or `claim_invalid`.
 */
export function readInstanceDocument(document: string): InstanceDocument {
  let json: unknown;
  try {
    json = JSON.parse(document) as unknown;
  } catch (cause) {
    throw new VerificationError('malformed', 'the instance identity document is not JSON', { cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new VerificationError('malformed', 'the instance identity document is not a JSON object');
  }
  const raw = json as Record<string, unknown>;
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? '');
    throw raw[field] === undefined
      ? missingClaim(field, `the document's "${field}" is missing`)
      : invalidClaim(field, `the document's "${field}" is invalid`);
  }
  const doc = parsed.data;
  const pendingTime = Date.parse(doc.pendingTime) / 1000;
  if (Number.isNaN(pendingTime)) throw invalidClaim('pendingTime', `the document's "pendingTime" is invalid`);
  if (!doc.availabilityZone.startsWith(`${doc.region}`)) {
    throw invalidClaim(
      'availabilityZone',
      `the document's "availabilityZone" ${showValue(doc.availabilityZone)} is not in its region ${doc.region}`,
    );
  }
  return {
    accountId: doc.accountId,
    instanceId: doc.instanceId,
    region: doc.region,
    availabilityZone: doc.availabilityZone,
    pendingTime,
    ...present('imageId', doc.imageId),
    ...present('instanceType', doc.instanceType),
    ...present('architecture', doc.architecture),
    ...present('privateIp', doc.privateIp),
    raw,
  };
}
