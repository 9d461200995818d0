import type { JWTPayload } from 'jose';
import { missingClaim } from '../errors/claim-errors';

const RUNNER_CLAIMS = ['runner_id', 'orch_id', 'billing_owner_id'];

/**
 * Refuses the JWTs GitHub issues to its runners: signed by the same issuer and keys as Actions
 * OIDC tokens but naming a runner, with no `sub` and no `aud`. They identify no workflow.
 */
export function rejectRunnerCredential(claims: JWTPayload): void {
  if (claims.sub === undefined && RUNNER_CLAIMS.some((name) => name in claims)) {
    throw missingClaim(
      'sub',
      'the "sub" claim is missing: a GitHub runner credential is not an Actions OIDC token',
    );
  }
}
