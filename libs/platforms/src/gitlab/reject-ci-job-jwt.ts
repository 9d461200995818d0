import { VerificationError } from '../errors/verification-error';

const JOB_SUBJECT = /^job_[0-9]+$/;

/**
 * Whether unverified claims have the shape of the legacy `CI_JOB_JWT` (v1), removed in GitLab 17.0:
 * an `iss` that is a bare host (`gitlab.com`), `sub` `job_<id>`, the project claims, and no `aud`
 * to bind it to a relying party.
 */
export function isCiJobJwt(claims: Readonly<Record<string, unknown>>): boolean {
  const { iss, sub } = claims;
  return (
    typeof iss === 'string' &&
    !iss.includes('://') &&
    typeof sub === 'string' &&
    JOB_SUBJECT.test(sub) &&
    'project_id' in claims
  );
}

/**
 * Refuses a legacy `CI_JOB_JWT` before its issuer is looked up: its host-only issuer matches no
 * GitLab platform, and "issuer not trusted" would hide what the job has to change.
 *
 * @throws {VerificationError} `legacy_token`.
 */
export function rejectCiJobJwt(claims: Readonly<Record<string, unknown>>): void {
  if (isCiJobJwt(claims)) {
    throw new VerificationError(
      'legacy_token',
      'a GitLab CI_JOB_JWT (v1) is not accepted: the job must request an ID token (id_tokens)',
    );
  }
}
