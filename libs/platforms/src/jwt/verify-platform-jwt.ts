import { jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { VerificationError } from '../errors/verification-error';
import type { VerifyContext } from '../platform-adapter';
import type { PlatformConfig } from '../platform-config';
import { ALLOWED_ALGORITHMS } from './allowed-algorithms';
import { checkAudience } from './check-audience';
import { checkTokenTimes, type TokenTimes } from './check-token-times';
import { mapJoseError } from '../errors/map-jose-error';
import { peekIssuer } from './peek-issuer';
import { readProtectedHeader } from './read-protected-header';

/** Longest credential accepted, matching the `/token` limit. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/** What a platform kind adds to the shared JWT checks. */
export interface PlatformJwtRules {
  /** Cap on `exp - iat` in seconds. */
  maxLifetimeSeconds: number;
  /**
   * Runs on the signature-verified claims before the standard claim checks, so that a kind can
   * refuse a shape it recognizes (a legacy token) with a precise code.
   */
  inspect?: (claims: JWTPayload) => void;
}

/** A signature-verified, time-checked and audience-checked platform JWT. */
export interface VerifiedPlatformJwt extends TokenTimes {
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
  audience: string[];
}

/**
 * The JWT verification every JWT-based platform kind shares: the algorithm allow-list, exact
 * `iss`, the signature against the platform's keys, `exp` required, `nbf`/`iat` within the
 * platform's clock skew, an accepted `aud`, and the kind's lifetime cap.
 *
 * @throws {VerificationError} when the token is refused.
 */
export async function verifyPlatformJwt(
  token: string,
  platform: PlatformConfig,
  ctx: VerifyContext,
  rules: PlatformJwtRules,
): Promise<VerifiedPlatformJwt> {
  if (!platform.enabled) {
    throw new VerificationError('issuer_not_trusted', 'the platform is disabled');
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new VerificationError('malformed', 'the credential is too long');
  }
  const header = readProtectedHeader(token);
  if (peekIssuer(token) !== platform.issuer) {
    throw new VerificationError('issuer_not_trusted');
  }
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(
      token,
      (protectedHeader) => ctx.keys.getKey(platform, protectedHeader, { allowHttp: ctx.allowHttp }),
      {
        algorithms: [...ALLOWED_ALGORITHMS],
        issuer: platform.issuer,
        currentDate: ctx.now,
        clockTolerance: platform.clockSkewSeconds,
      },
    ));
  } catch (error) {
    throw mapJoseError(error);
  }
  rules.inspect?.(claims);
  const times = checkTokenTimes(claims, ctx.now, platform.clockSkewSeconds, rules.maxLifetimeSeconds);
  const audience = checkAudience(claims, platform.audiences);
  return { header, claims, audience, ...times };
}
