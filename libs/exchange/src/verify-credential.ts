import {
  peekIssuer,
  VerificationError,
  type PlatformConfig,
  type VerifiedCredential,
} from '@fedbroker/platforms';
import { ExchangeError } from './exchange.error';
import type { ExchangeDependencies } from './exchange-dependencies';

export interface VerifiedPresentation {
  platform: PlatformConfig;
  credential: VerifiedCredential;
}

/**
 * Finds the platform that issued `token` (by token type for non-JWT credentials, else by exact
 * `iss`) and has its adapter verify it. `onPlatform` learns the platform before verification, so a
 * denial can still be audited against it.
 */
export async function verifyCredential(
  deps: ExchangeDependencies,
  token: string,
  tokenType: string,
  now: Date,
  onPlatform: (platform: PlatformConfig) => void = () => undefined,
): Promise<VerifiedPresentation> {
  const snapshot = deps.catalog.snapshot();
  try {
    const typedAdapter = deps.adapters.forTokenType(tokenType);
    const platform = typedAdapter
      ? snapshot.platforms().find((p) => p.kind === typedAdapter.kind && p.enabled)
      : snapshot.platformByIssuer(peekIssuer(token));
    if (!platform) throw new VerificationError('issuer_not_trusted', 'issuer not trusted');
    onPlatform(platform);
    if (!platform.enabled) throw new VerificationError('issuer_not_trusted', 'platform disabled');
    const adapter = deps.adapters.get(platform.kind);
    const credential = await adapter.verify(token, platform, {
      now,
      keys: deps.keys,
      allowHttp: deps.allowHttp,
    });
    return { platform, credential };
  } catch (error) {
    if (error instanceof VerificationError) {
      throw new ExchangeError('credential_rejected', describe(error), {
        reason: error.message,
        cause: error,
      });
    }
    throw error;
  }
}

function describe(error: VerificationError): string {
  switch (error.code) {
    case 'malformed':
      return 'the credential is not a well-formed JWT';
    case 'issuer_not_trusted':
      return 'the credential issuer is not trusted';
    case 'algorithm_not_allowed':
      return 'the credential algorithm is not allowed';
    case 'key_not_found':
    case 'signature_invalid':
      return 'the credential signature does not verify';
    case 'keys_unavailable':
      return "the issuer's keys are unavailable";
    case 'expired':
      return 'the credential has expired';
    case 'not_yet_valid':
    case 'issued_in_future':
      return 'the credential is not yet valid';
    case 'audience_mismatch':
      return 'the credential audience is not accepted';
    case 'lifetime_too_long':
      return 'the credential lifetime is too long';
    case 'legacy_token':
      return 'legacy service-account tokens are not accepted';
    case 'missing_claim':
    case 'claim_invalid':
      return 'the credential lacks a required claim';
  }
}
