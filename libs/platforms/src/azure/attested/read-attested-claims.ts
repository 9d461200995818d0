import { invalidClaim, missingClaim } from '../../errors/claim-errors';
import type { VerificationError } from '../../errors/verification-error';
import { parseImdsTime } from './parse-imds-time';

/** What an attested document says, read after its signature is verified. */
export interface AttestedClaims {
  vmId: string;
  /** Absent from documents of API versions before 2019-04-30 and of classic VMs. */
  subscriptionId?: string;
  nonce: string;
  /** `timeStamp.createdOn`, seconds since the epoch. */
  createdOn: number;
  /** `timeStamp.expiresOn`, seconds since the epoch. */
  expiresOn: number;
}

function missing(name: string): VerificationError {
  return missingClaim(name, `the "${name}" member is missing`);
}

function invalid(name: string): VerificationError {
  return invalidClaim(name, `the "${name}" member is invalid`);
}

function requiredString(claims: Record<string, unknown>, name: string): string {
  const value = claims[name];
  if (value === undefined || value === null || value === '') throw missing(name);
  if (typeof value !== 'string') throw invalid(name);
  return value;
}

function readTime(timeStamp: Record<string, unknown>, name: 'createdOn' | 'expiresOn'): number {
  const value = timeStamp[name];
  if (value === undefined) throw missing(`timeStamp.${name}`);
  const seconds = typeof value === 'string' ? parseImdsTime(value) : undefined;
  if (seconds === undefined) throw invalid(`timeStamp.${name}`);
  return seconds;
}

/**
 * Reads `vmId`, `subscriptionId`, `nonce` and `timeStamp` of an attested document. GUIDs are
 * lowercased; a `null` or empty member is treated as absent.
 *
 * @throws {VerificationError} `missing_claim` or `claim_invalid`.
 */
export function readAttestedClaims(claims: Record<string, unknown>): AttestedClaims {
  const { subscriptionId, timeStamp } = claims;
  if (subscriptionId !== undefined && subscriptionId !== null && typeof subscriptionId !== 'string') {
    throw invalid('subscriptionId');
  }
  if (timeStamp === undefined) throw missing('timeStamp');
  if (typeof timeStamp !== 'object' || timeStamp === null || Array.isArray(timeStamp))
    throw invalid('timeStamp');
  const times = timeStamp as Record<string, unknown>;
  return {
    vmId: requiredString(claims, 'vmId').toLowerCase(),
    ...(subscriptionId ? { subscriptionId: subscriptionId.toLowerCase() } : {}),
    nonce: requiredString(claims, 'nonce'),
    createdOn: readTime(times, 'createdOn'),
    expiresOn: readTime(times, 'expiresOn'),
  };
}
