import { X509Certificate } from 'node:crypto';
import { urlProblem } from '../keys/url-policy';
import type { RegistrationProblem } from '../platform-adapter';
import type { PlatformRegistration } from '../platform-config';

/** What a JWT-based kind allows beyond the common registration rules. */
export interface JwtRegistrationRules {
  /** Accept an issuer that is not a URL when inline `jwks` are given (discovery is then impossible). */
  allowNonUrlIssuerWithInlineJwks: boolean;
  /** The kind's own check of an issuer that passed the common ones; a message when it is refused. */
  issuerProblem?: (issuer: string) => string | undefined;
}

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_CLOCK_SKEW_SECONDS = 300;
const MIN_RSA_MODULUS_BYTES = 256;

function isUrl(value: string): boolean {
  return URL.canParse(value);
}

function issuerProblems(
  p: PlatformRegistration,
  allowHttp: boolean,
  rules: JwtRegistrationRules,
): RegistrationProblem[] {
  if (p.issuer.trim() === '' || p.issuer !== p.issuer.trim()) {
    return [{ field: 'issuer', message: 'must be a non-empty string without surrounding spaces' }];
  }
  if (!isUrl(p.issuer)) {
    if (rules.allowNonUrlIssuerWithInlineJwks && p.jwks !== undefined) {
      return [];
    }
    const hint = rules.allowNonUrlIssuerWithInlineJwks ? ' (a non-URL issuer needs inline jwks)' : '';
    return [{ field: 'issuer', message: `must be an https URL${hint}` }];
  }
  const problem = urlProblem(p.issuer, allowHttp) ?? rules.issuerProblem?.(p.issuer);
  return problem === undefined ? [] : [{ field: 'issuer', message: problem }];
}

function jwksProblems(p: PlatformRegistration): RegistrationProblem[] {
  if (p.jwks === undefined) {
    return [];
  }
  if (!Array.isArray(p.jwks.keys)) {
    return [{ field: 'jwks', message: 'must be a JWK Set: {"keys": [...]}' }];
  }
  return p.jwks.keys.flatMap((key, index): RegistrationProblem[] => {
    const field = `jwks.keys.${index}`;
    if (typeof key !== 'object' || key === null || !['RSA', 'EC', 'OKP'].includes(String(key.kty))) {
      return [{ field, message: 'must be an RSA, EC or OKP public key' }];
    }
    if (PRIVATE_JWK_MEMBERS.some((member) => member in key)) {
      return [{ field, message: 'must not contain private key material' }];
    }
    if (key.kty === 'RSA' && Buffer.from(String(key.n ?? ''), 'base64url').length < MIN_RSA_MODULUS_BYTES) {
      return [{ field, message: 'RSA keys must be at least 2048 bits' }];
    }
    return [];
  });
}

function keySourceProblems(p: PlatformRegistration, allowHttp: boolean): RegistrationProblem[] {
  if (p.jwks !== undefined && p.jwksUri !== undefined) {
    return [{ field: 'jwksUri', message: 'give either jwks or jwksUri, not both' }];
  }
  if (p.jwksUri === undefined) {
    return [];
  }
  const problem = urlProblem(p.jwksUri, allowHttp);
  return problem === undefined ? [] : [{ field: 'jwksUri', message: problem }];
}

function caBundleProblems(p: PlatformRegistration): RegistrationProblem[] {
  if (p.caBundle === undefined) {
    return [];
  }
  const pems = p.caBundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) {
    return [{ field: 'caBundle', message: 'must hold PEM certificates' }];
  }
  try {
    pems.forEach((pem) => new X509Certificate(pem));
  } catch {
    return [{ field: 'caBundle', message: 'holds a certificate that cannot be parsed' }];
  }
  return [];
}

function audienceProblems(p: PlatformRegistration): RegistrationProblem[] {
  if (p.audiences.length === 0 || p.audiences.some((audience) => audience.trim() === '')) {
    return [{ field: 'audiences', message: 'must list at least one non-empty audience' }];
  }
  return [];
}

function clockSkewProblems(p: PlatformRegistration): RegistrationProblem[] {
  const skew = p.clockSkewSeconds;
  if (!Number.isInteger(skew) || skew < 0 || skew > MAX_CLOCK_SKEW_SECONDS) {
    return [{ field: 'clockSkewSeconds', message: `must be an integer from 0 to ${MAX_CLOCK_SKEW_SECONDS}` }];
  }
  return [];
}

/**
 * The registration rules every JWT-based kind shares: the issuer, exactly one key source (inline
 * `jwks`, `jwksUri`, or neither for OIDC discovery), public keys only, URLs that are https (http on
 * loopback, or anywhere when `allowHttp`), a parseable CA bundle, audiences and clock skew.
 * `settings` are validated by the adapter's `settingsSchema`, not here.
 */
export function jwtRegistrationProblems(
  platform: PlatformRegistration,
  allowHttp: boolean,
  rules: JwtRegistrationRules,
): RegistrationProblem[] {
  return [
    ...issuerProblems(platform, allowHttp, rules),
    ...jwksProblems(platform),
    ...keySourceProblems(platform, allowHttp),
    ...caBundleProblems(platform),
    ...audienceProblems(platform),
    ...clockSkewProblems(platform),
  ];
}
