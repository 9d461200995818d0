import { jwtIdentityBase } from '../claims/jwt-identity-base';
import { readClaimFields } from '../claims/read-claim-fields';
import type { Identity } from '../identity';
import type { VerifiedPlatformJwt } from '../jwt/verify-platform-jwt';
import type { PlatformConfig } from '../platform-config';
import { GITHUB_ACTIONS_CLAIM_FIELDS } from './github-actions-identity-fields';

/**
 * The normalized identity of a verified Actions OIDC token. `sub` is kept as sent and never
 * parsed: the classic `repo:<owner>/<repo>:…`, the immutable-ID form and custom templates all
 * normalize alike, and policies read the claims.
 *
 * @throws {VerificationError} `missing_claim` without `sub`, `repository`, `repository_id`,
 * `repository_owner` or `repository_owner_id`; `claim_invalid` for a claim of the wrong type.
 */
export function normalizeGitHubActionsIdentity(platform: PlatformConfig, jwt: VerifiedPlatformJwt): Identity {
  return { ...jwtIdentityBase(platform, jwt), ...readClaimFields(jwt.claims, GITHUB_ACTIONS_CLAIM_FIELDS) };
}
