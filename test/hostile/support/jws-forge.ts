import { createHmac, createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/** base64url of JSON, or of raw bytes. */
export const b64 = (value: unknown): string =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

/** The three segments of a compact JWS, decoded where they are JSON. */
export function splitJws(token: string): {
  header: Record<string, unknown>;
  payload: string;
  signature: string;
} {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload,
    signature,
  };
}

/** `token` with its header replaced (the signature no longer matches, as an attacker's would not). */
export function withHeader(token: string, header: Record<string, unknown>, signature?: string): string {
  const parts = splitJws(token);
  return `${b64(header)}.${parts.payload}.${signature ?? parts.signature}`;
}

/** `token` with its claims replaced, its header and signature kept. */
export function withClaims(token: string, claims: Record<string, unknown>): string {
  const [header = '', , signature = ''] = token.split('.');
  return `${header}.${b64(claims)}.${signature}`;
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** A signing key the suite holds, published as `jwk` in a platform's inline key set. */
export interface ForgeKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  jwk: JWK;
}

export function forgeKey(
  kid: string,
  alg: 'RS256' | 'ES256',
  options: { bits?: number; use?: string } = {},
): ForgeKey {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: options.bits ?? 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg, use: options.use ?? 'sig' };
  return { kid, alg, privateKey, jwk };
}

/** Signs the exact header and payload segments given, so they may be non-canonical or odd JSON. */
export function signSegments(key: ForgeKey, header: string, payload: string): string {
  const input = `${header}.${payload}`;
  const signature =
    key.alg === 'RS256'
      ? createSign('SHA256').update(input).sign(key.privateKey)
      : createSign('SHA256').update(input).sign({ key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export function sign(key: ForgeKey, claims: unknown, header: Record<string, unknown> = {}): string {
  return signSegments(key, b64({ alg: key.alg, kid: key.kid, ...header }), b64(claims));
}

/** HS256 over `header.payload` keyed with `secret`: the algorithm-confusion attack. */
export function hmac(secret: string | Buffer, header: Record<string, unknown>, payload: string): string {
  const input = `${b64(header)}.${payload}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The claims of a projected service-account token of `apps/api`, issued at `now` for 10 minutes. */
export function serviceAccountClaims(issuer: string, audience: string, now: Date): Record<string, unknown> {
  const iat = Math.floor(now.getTime() / 1000);
  return {
    aud: [audience],
    exp: iat + 600,
    iat,
    iss: issuer,
    jti: randomUUID(),
    'kubernetes.io': {
      namespace: 'apps',
      pod: { name: 'api-5d8f7b9c6d-x2x4k', uid: '8a1b2c3d-0000-4000-8000-000000000001' },
      serviceaccount: { name: 'api', uid: '8a1b2c3d-0000-4000-8000-000000000002' },
    },
    nbf: iat,
    sub: 'system:serviceaccount:apps:api',
  };
}
