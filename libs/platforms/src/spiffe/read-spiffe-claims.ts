import type { JWTPayload } from 'jose';
import { invalidClaim, missingClaim } from '../errors/claim-errors';
import { parseSpiffeId } from './spiffe-id';

/** The workload identity a JWT-SVID carries in its `sub`. */
export interface SpiffeClaims {
  spiffeId: string;
  trustDomain: string;
  path: string;
}

/**
 * Reads the workload's SPIFFE ID from `sub` (JWT-SVID §3.1) and requires it to be a valid SPIFFE ID
 * of `trustDomain` that names a workload (it has a path), not the trust domain itself.
 *
 * @throws {VerificationError} `missing_claim` or `claim_invalid`.
 */
export function readSpiffeClaims(claims: JWTPayload, trustDomain: string): SpiffeClaims {
  const { sub } = claims;
  if (sub === undefined) {
    throw missingClaim('sub');
  }
  if (typeof sub !== 'string') {
    throw invalidClaim('sub', 'the "sub" claim is not a string');
  }
  const parsed = parseSpiffeId(sub);
  if (!parsed.valid) {
    throw invalidClaim('sub', `the "sub" claim is not a valid SPIFFE ID: ${parsed.problem}`);
  }
  if (parsed.trustDomain !== trustDomain) {
    throw invalidClaim('sub', `the "sub" claim is not in the trust domain ${trustDomain}`);
  }
  if (parsed.path === '') {
    throw invalidClaim('sub', 'the "sub" claim names the trust domain, not a workload');
  }
  return { spiffeId: sub, trustDomain, path: parsed.path };
}
