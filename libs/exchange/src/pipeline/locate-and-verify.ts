import {
  isVerificationError,
  presentCredential,
  RETRYABLE_VERIFICATION_ERRORS,
  VerificationError,
  type PlatformConfig,
  type VerifyContext,
} from '@fedbroker/platforms';
import { ExchangeError } from '../exchange.error';
import type { ExchangeDependencies } from '../exchange-dependencies';
import { inSpan } from '../tracing';
import { describeVerificationError } from './describe-verification-error';
import type { VerifiedPresentation } from './exchange-state';

/**
 * Decodes a credential once, lets each adapter that accepts its type say which route keys find its
 * platform, and has the one platform found verify it: a credential is never tried against two
 * platforms. `onPlatform` learns the platform before verification, so that a refusal is audited
 * against it.
 *
 * @throws {ExchangeError} `credential_rejected`, or `platform_unavailable` when the platform's
 * verifier (keys, STS) cannot be reached.
 */
export function locateAndVerify(
  deps: ExchangeDependencies,
  token: string,
  tokenType: string,
  now: Date,
  onPlatform: (platform: PlatformConfig) => void,
): Promise<VerifiedPresentation> {
  return inSpan('fedbroker.verify', async (span) => {
    span.setAttribute('fedbroker.token_type', tokenType);
    return verifyWithPlatform(deps, token, tokenType, now, (platform) => {
      span.setAttributes({ 'fedbroker.platform': platform.name, 'fedbroker.platform.kind': platform.kind });
      onPlatform(platform);
    });
  });
}

async function verifyWithPlatform(
  deps: ExchangeDependencies,
  token: string,
  tokenType: string,
  now: Date,
  onPlatform: (platform: PlatformConfig) => void,
): Promise<VerifiedPresentation> {
  const ctx: VerifyContext = { now, keys: deps.keys, allowHttp: deps.allowHttp };
  try {
    const credential = presentCredential(token, tokenType, deps.adapters.isJwtType(tokenType));
    const snapshot = deps.catalog.snapshot();
    for (const adapter of deps.adapters.forTokenType(tokenType)) {
      const platform = snapshot.platformByRoute(await adapter.locate(credential, ctx));
      if (platform === undefined || platform.kind !== adapter.kind) continue;
      onPlatform(platform);
      if (!platform.enabled) throw new VerificationError('issuer_not_trusted', 'the platform is disabled');
      return { platform, credential: await adapter.verify(credential, platform, ctx) };
    }
    throw new VerificationError('issuer_not_trusted', 'no registered platform issued the credential');
  } catch (error) {
    if (!isVerificationError(error)) throw error;
    const code = RETRYABLE_VERIFICATION_ERRORS.has(error.code)
      ? 'platform_unavailable'
      : 'credential_rejected';
    throw new ExchangeError(code, describeVerificationError(error), { reason: error.message, cause: error });
  }
}
