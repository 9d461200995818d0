import { jwtIdentityBase } from '../claims/jwt-identity-base';
import { readClaimFields } from '../claims/read-claim-fields';
import type { Identity } from '../identity';
import type { VerifiedPlatformJwt } from '../jwt/verify-platform-jwt';
import type { PlatformConfig } from '../platform-config';
import { GITLAB_CLAIM_FIELDS } from './gitlab-identity-fields';

/**
 * The normalized identity of a verified GitLab CI ID token: IDs as strings (`runner_id` is sent as
 * a number), `"true"`/`"false"` flags as booleans, and the claims GitLab sends as `null`
 * (`ci_config_ref_uri` when the pipeline definition lives in another project) absent. `sub` is
 * kept as sent: its components are configurable per project.
 *
 * @throws {VerificationError} `missing_claim` without `sub`, `namespace_id`, `namespace_path`,
 * `project_id` or `project_path`; `claim_invalid` for a claim of the wrong type.
 */
export function normalizeGitLabIdentity(platform: PlatformConfig, jwt: VerifiedPlatformJwt): Identity {
  return { ...jwtIdentityBase(platform, jwt), ...readClaimFields(jwt.claims, GITLAB_CLAIM_FIELDS) };
}
