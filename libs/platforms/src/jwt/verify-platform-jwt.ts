import { jwtVerify, type JWTPayload, type JWSHeaderParameters } from 'jose';
import type { PresentedCredential } from '../credential/presented-credential';
import { mapJoseError } from '../errors/map-jose-error';
import { showValue, showValues } from '../errors/show-value';
import { VerificationError, verificationMessage } from '../errors/verification-error';
import { jwtKeySource, type KeySource } from '../keys/key-source';
import type { VerifyContext } from '../platform-adapter';
import type { PlatformConfig } from '../platform-config';
import { ALLOWED_ALGORITHMS } from './allowed-algorithms';
import { checkAudience } from './check-audience';
import { checkProtectedHeader } from './check-protected-header';
import { checkTokenTimes, type TokenTimes } from './check-token-times';

/** What a platform kind adds to the shared JWT checks. */
export interface PlatformJwtRules {
  /** Cap on `exp - iat` in seconds. */
  maxLifetimeSeconds: number;
  /** Accepted `iss` values; default the platform's issuer; `null` when `iss` is not checked here. */
  issuers?: readonly string[] | null;
  /** Accepted algorithms, a subset of {@link ALLOWED_ALGORITHMS}. */
  algorithms?: readonly string[];
  /** Where the keys come from; default the platform's `jwks`, `jwksUri` or OIDC discovery. */
  keySource?: KeySource;
  /**
   * Runs on the signature-verified claims before the standard claim checks, so that a kind can
   * refuse a shape it recognizes (a legacy token) with a precise code.
   */
  inspect?: (claims: JWTPayload, header: JWSHeaderParameters) => void;
}

/** A signature-verified, time-checked and audience-checked platform JWT. */
export interface VerifiedPlatformJwt extends TokenTimes {
  header: JWSHeaderParameters;
  claims: JWTPayload;
  audience: string[];
}

/**
 * The JWT verification every JWT-based platform kind shares: the algorithm allow-list, the
 * accepted `iss`, the signature against the platform's keys, `exp` required, `nbf`/`iat` within the
 * platform's clock skew, an accepted `aud`, and the kind's lifetime cap.
 *
 * @throws {VerificationError} when the token is refused.
 */
export async function verifyPlatformJwt(
  credential: PresentedCredential,
  platform: PlatformConfig,
  ctx: VerifyContext,
  rules: PlatformJwtRules,
): Promise<VerifiedPlatformJwt> {
  if (credential.jwt === undefined) {
    throw new VerificationError('malformed', 'the credential is not a JWT');
  }
  const algorithms = rules.algorithms ?? ALLOWED_ALGORITHMS;
  const header = checkProtectedHeader(credential.jwt.header, algorithms);
  const issuers = rules.issuers === undefined ? [platform.issuer] : rules.issuers;
  const iss = credential.jwt.claims.iss;
  if (issuers !== null && !issuers.includes(String(iss))) {
    const expected = issuers.length === 1 ? showValue(issuers[0]) : showValues(issuers);
    const detail =
      iss === undefined
        ? `the token has no "iss" claim; the platform's issuer is ${expected}`
        : `the "iss" claim ${showValue(iss)} is not the platform's issuer ${expected}`;
    throw new VerificationError('issuer_not_trusted', verificationMessage('issuer_not_trusted', detail));
  }
  const source = rules.keySource ?? jwtKeySource(platform);
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(
      credential.token,
      (protectedHeader) =>
        ctx.keys.getKey(source, protectedHeader, {
          allowHttp: ctx.allowHttp,
          platform: platform.name,
        }),
      {
        algorithms: [...algorithms],
        ...(issuers === null ? {} : { issuer: [...issuers] }),
        currentDate: ctx.now,
        clockTolerance: platform.clockSkewSeconds,
      },
    ));
  } catch (error) {
    throw mapJoseError(error, { header, now: ctx.now, clockSkewSeconds: platform.clockSkewSeconds });
  }
  rules.inspect?.(claims, header);
  const times = checkTokenTimes(claims, ctx.now, platform.clockSkewSeconds, rules.maxLifetimeSeconds);
  const audience = checkAudience(claims, platform.audiences);
  return { header, claims, audience, ...times };
}
