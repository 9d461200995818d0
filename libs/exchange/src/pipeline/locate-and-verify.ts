import {
  isVerificationError,
  presentCredential,
  RETRYABLE_VERIFICATION_ERRORS,
  showValues,
  VerificationError,
  type PlatformConfig,
  type PresentedCredential,
  type VerifyContext,
} from '@fedbroker/platforms';
import { ExchangeError } from '../exchange.error';
import type { ExchangeDependencies } from '../exchange-dependencies';
import { inSpan } from '../tracing';
import { describeVerificationError } from './describe-verification-error';
import { platformByKeyId } from './platform-by-key-id';
import type { VerifiedPresentation } from './exchange-state';

/** What locating learnt of a credential before verifying it: kept when verification then fails. */
export interface LocateTrace {
  /** The credential as decoded, once it decodes (nothing in it is verified). */
  presented?: PresentedCredential;
  /** The one platform it found, before that platform verifies it. */
  platform?: PlatformConfig;
}

/**
 * Decodes a credential once, lets each adapter that accepts its type say which route keys find its
 * platform, and has the one platform found verify it: a credential is never tried against two
 * platforms. `trace` learns the decoded credential and the platform before verification, so that a
 * refusal is audited against them.
 *
 * @throws {ExchangeError} `credential_rejected`, or `platform_unavailable` when the platform's
 * verifier (keys, STS) cannot be reached.
 */
export function locateAndVerify(
  deps: ExchangeDependencies,
  token: string,
  tokenType: string,
  now: Date,
  trace: LocateTrace,
): Promise<VerifiedPresentation> {
  return inSpan('fedbroker.verify', async (span) => {
    span.setAttribute('fedbroker.token_type', tokenType);
    try {
      return await verifyWithPlatform(deps, token, tokenType, now, trace);
    } finally {
      const { platform } = trace;
      if (platform) {
        span.setAttributes({ 'fedbroker.platform': platform.name, 'fedbroker.platform.kind': platform.kind });
      }
    }
  });
}

async function verifyWithPlatform(
  deps: ExchangeDependencies,
  token: string,
  tokenType: string,
  now: Date,
  trace: LocateTrace,
): Promise<VerifiedPresentation> {
  const ctx: VerifyContext = { now, keys: deps.keys, allowHttp: deps.allowHttp };
  try {
    const credential = presentCredential(token, tokenType, deps.adapters.isJwtType(tokenType));
    trace.presented = credential;
    const snapshot = deps.catalog.snapshot();
    const tried: string[] = [];
    for (const adapter of deps.adapters.forTokenType(tokenType)) {
      const routes = await adapter.locate(credential, ctx);
      tried.push(...routes);
      const platform =
        snapshot.platformByRoute(routes) ?? platformByKeyId(snapshot, routes, adapter.kind, credential);
      if (platform === undefined || platform.kind !== adapter.kind) continue;
      trace.platform = platform;
      if (!platform.enabled) {
        throw new VerificationError(
          'issuer_not_trusted',
          `the issuer is not trusted: platform ${platform.name} is disabled`,
        );
      }
      return { platform, credential: await adapter.verify(credential, platform, ctx) };
    }
    throw new VerificationError('issuer_not_trusted', notFound(tried));
  } catch (error) {
    if (!isVerificationError(error)) throw error;
    const code = RETRYABLE_VERIFICATION_ERRORS.has(error.code)
      ? 'platform_unavailable'
      : 'credential_rejected';
    throw new ExchangeError(code, describeVerificationError(error), { reason: error.message, cause: error });
  }
}

function notFound(routes: readonly string[]): string {
  const unique = [...new Set(routes)];
  return unique.length === 0
    ? 'no registered platform issued the credential: it names no issuer'
    : `no registered platform issued the credential: none answers to ${showValues(unique)}`;
}
