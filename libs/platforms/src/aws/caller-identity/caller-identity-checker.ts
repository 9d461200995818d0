import type { PresentedCredential } from '../../credential/presented-credential';
import type { VerifyContext } from '../../platform-adapter';
import { DEFAULT_AWS_MAX_REQUEST_AGE_SECONDS } from '../aws-settings.schema';
import { callGetCallerIdentity, type StsCallOptions } from './call-get-caller-identity';
import type { CallerIdentityAnswer } from './caller-identity-answer';
import { checkSignedAt } from './check-signed-at';
import { decodeSignedRequest } from './decode-signed-request';
import { readSignedRequest } from './read-signed-request';
import type { SignedCallerIdentityRequest } from './signed-caller-identity-request';
import type { StsEndpoints } from './sts-endpoints';

/** A signed request and who STS says signed it. */
export interface CheckedCallerIdentity {
  request: SignedCallerIdentityRequest;
  answer: CallerIdentityAnswer;
}

/** The widest clock skew a platform may allow (`clockSkewSeconds`): before the platform is known. */
const MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * Checks a signed `GetCallerIdentity` request and asks STS who signed it, once per presented
 * credential: `locate` needs the account to find the platform, and `verify` reuses the same answer.
 */
export class CallerIdentityChecker {
  private readonly checked = new WeakMap<PresentedCredential, Promise<CheckedCallerIdentity>>();

  constructor(
    private readonly endpoints: StsEndpoints,
    private readonly options: StsCallOptions,
  ) {}

  /** @throws {VerificationError} when the request is refused or STS cannot answer. */
  check(credential: PresentedCredential, ctx: VerifyContext): Promise<CheckedCallerIdentity> {
    let pending = this.checked.get(credential);
    if (pending === undefined) {
      pending = this.run(credential, ctx);
      this.checked.set(credential, pending);
    }
    return pending;
  }

  private async run(credential: PresentedCredential, ctx: VerifyContext): Promise<CheckedCallerIdentity> {
    const request = readSignedRequest(decodeSignedRequest(credential.token), this.endpoints);
    // No platform's settings yet: refuse only what no platform could accept, before calling STS.
    checkSignedAt(request.signedAt, ctx.now, DEFAULT_AWS_MAX_REQUEST_AGE_SECONDS, MAX_CLOCK_SKEW_SECONDS);
    return { request, answer: await callGetCallerIdentity(request, this.options) };
  }
}
