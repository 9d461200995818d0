import { invalidClaim, missingClaim } from '../errors/claim-errors';
import type { VerificationError } from '../errors/verification-error';
import type { ClaimField } from './claim-field';

const DECIMAL_ID = /^[0-9]{1,40}$/;

function invalid(claim: string): VerificationError {
  return invalidClaim(claim);
}

function convert(value: unknown, { claim, type }: ClaimField): string | boolean {
  switch (type) {
    case 'text':
      if (typeof value === 'string') return value;
      throw invalid(claim);
    case 'id':
      if (typeof value === 'string' && DECIMAL_ID.test(value)) return value;
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
      throw invalid(claim);
    case 'flag':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw invalid(claim);
  }
}

/**
 * Reads the claims of `table` into identity fields. A claim that is absent, `null` or `""` leaves
 * its field absent (a required one refuses the token); a claim of the wrong type refuses it.
 *
 * @throws {VerificationError} `missing_claim` or `claim_invalid`, naming the claim.
 */
export function readClaimFields(
  claims: Readonly<Record<string, unknown>>,
  table: readonly ClaimField[],
): Record<string, string | boolean> {
  const fields: Record<string, string | boolean> = {};
  for (const entry of table) {
    const value = claims[entry.claim];
    if (value === undefined || value === null || value === '') {
      if (entry.required === true) {
        throw missingClaim(entry.claim);
      }
      continue;
    }
    fields[entry.field] = convert(value, entry);
  }
  return fields;
}
