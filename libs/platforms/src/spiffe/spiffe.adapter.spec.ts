import { createPrivateKey, X509Certificate } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificate } from '../../../../test/support/test-certificate';
import { presentCredential } from '../credential/present-credential';
import { VerificationError } from '../errors/verification-error';
import { KeyResolver } from '../keys/key-resolver';
import type { VerifyContext } from '../platform-adapter';
import type { PlatformConfig } from '../platform-config';
import { unsignedToken } from '../testing/signing-key';
import { verifyJwtWith } from '../testing/verify-token';
import { JWT_SVID_ALGORITHMS } from './check-jwt-svid-header';
import { spiffeAdapter } from './spiffe.adapter';

const NOW = 1_767_225_600;
const AUDIENCE = 'https://broker.example/token';
const SPIFFE_ID = 'spiffe://example.org/ns/payments/sa/deployer';
const OIDC_ISSUER = 'https://oidc-discovery.example.org';
const DAY = 24 * 60 * 60;

interface SvidKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey | ReturnType<typeof createPrivateKey>;
  publicJwk: JWK;
}

async function svidKey(alg: string, kid = `kid-${alg}`): Promise<SvidKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid } };
}

function svidClaims(overrides: JWTPayload = {}): JWTPayload {
  return { aud: [AUDIENCE], exp: NOW + 300, iat: NOW, sub: SPIFFE_ID, ...overrides };
}

function sign(key: SvidKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const protectedHeader: Record<string, unknown> = { alg: key.alg, kid: key.kid, typ: 'JWT', ...header };
  for (const [name, value] of Object.entries(protectedHeader)) {
    if (value === undefined) delete protectedHeader[name];
  }
  return new SignJWT(JSON.parse(JSON.stringify(claims)) as JWTPayload)
    .setProtectedHeader(protectedHeader as { alg: string })
    .sign(key.privateKey);
}

interface Keys {
  byAlg: Map<string, SvidKey>;
  impostor: SvidKey;
  ed25519: SvidKey;
  authority: SvidKey;
  bundle: { keys: JWK[] };
}

function platformFor(keys: Keys, overrides: Partial<PlatformConfig> = {}): PlatformConfig {
  return {
    id: 'spiffe-1',
    name: 'prod-mesh',
    kind: 'spiffe',
    issuer: 'spiffe://example.org',
    jwks: keys.bundle,
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: { trustDomain: 'example.org' },
    enabled: true,
    version: 1,
    ...overrides,
  };
}

function context(): VerifyContext {
  return {
    now: new Date(NOW * 1000),
    keys: new KeyResolver({ fetch: () => Promise.reject(new Error('offline')) }),
    allowHttp: false,
  };
}

function verify(token: string, platform: PlatformConfig) {
  return verifyJwtWith(spiffeAdapter, token, platform, context());
}

describe('spiffeAdapter.verify', () => {
  let keys: Keys;
  const es256 = (k: Keys): SvidKey => k.byAlg.get('ES256')!;

  beforeAll(async () => {
    const byAlg = new Map(
      await Promise.all(JWT_SVID_ALGORITHMS.map(async (alg) => [alg, await svidKey(alg)] as const)),
    );
    const ca = await createTestCertificate({
      commonName: 'example.org',
      uris: ['spiffe://example.org'],
      ca: true,
    });
    const caKey = createPrivateKey(ca.keyPem);
    const authority: SvidKey = {
      alg: 'ES256',
      kid: 'x509-authority',
      privateKey: caKey,
      publicJwk: { ...(await exportJWK(new X509Certificate(ca.certPem).publicKey)), kid: 'x509-authority' },
    };
    keys = {
      byAlg,
      impostor: await svidKey('ES256', 'kid-ES256'),
      ed25519: await svidKey('Ed25519', 'kid-ES256'),
      authority,
      bundle: {
        keys: [
          { use: 'x509-svid', ...authority.publicJwk, x5c: [ca.der] },
          ...[...byAlg.values()].map((key) => ({ use: 'jwt-svid', ...key.publicJwk })),
        ],
      },
    };
  });

  it('accepts a SPIRE-shaped JWT-SVID and normalizes its identity', async () => {
    const token = await sign(es256(keys), svidClaims());
    const verified = await verify(token, platformFor(keys));
    expect(verified.identity).toEqual({
      platform: 'prod-mesh',
      kind: 'spiffe',
      issuer: 'spiffe://example.org',
      subject: SPIFFE_ID,
      audience: [AUDIENCE],
      issuedAt: NOW,
      expiresAt: NOW + 300,
      spiffeId: SPIFFE_ID,
      trustDomain: 'example.org',
      path: '/ns/payments/sa/deployer',
    });
    expect(verified).toMatchObject({ expiresAt: NOW + 300, claims: { sub: SPIFFE_ID } });
    expect(verified.tokenId).toBeUndefined();
    expect(verified.replayKey).toMatch(/^sha256 /);
  });

  it('carries jti as tokenId and leaves out what the token does not carry', async () => {
    const withJti = await verify(await sign(es256(keys), svidClaims({ jti: 'svid-1' })), platformFor(keys));
    expect(withJti).toMatchObject({ tokenId: 'svid-1', identity: { tokenId: 'svid-1' } });
    expect(withJti.replayKey).toBe('jti spiffe://example.org svid-1');
    const bare = await verify(await sign(es256(keys), svidClaims({ iat: undefined })), platformFor(keys));
    expect(bare.identity).not.toHaveProperty('issuedAt');
    expect(bare.identity).not.toHaveProperty('tokenId');
  });

  it.each(JWT_SVID_ALGORITHMS)('accepts a JWT-SVID signed with %s', async (alg) => {
    const token = await sign(keys.byAlg.get(alg)!, svidClaims());
    await expect(verify(token, platformFor(keys))).resolves.toMatchObject({
      identity: { spiffeId: SPIFFE_ID },
    });
  });

  type AcceptCase = [
    name: string,
    claims: JWTPayload,
    header?: Record<string, unknown>,
    platform?: Partial<PlatformConfig>,
  ];
  const accepted: AcceptCase[] = [
    ['no typ', svidClaims(), { typ: undefined }],
    ['typ JOSE', svidClaims(), { typ: 'JOSE' }],
    ['an iss, unchecked for a spiffe:// issuer', svidClaims({ iss: 'https://anything.example' })],
    ['iss equal to a registered issuer URL', svidClaims({ iss: OIDC_ISSUER }), {}, { issuer: OIDC_ISSUER }],
    ['aud as a string', svidClaims({ aud: AUDIENCE })],
    ['one accepted audience among others', svidClaims({ aud: ['spiffe://example.org/db', AUDIENCE] })],
    ['expired within the clock skew', svidClaims({ iat: NOW - 360, exp: NOW - 30 })],
    ['iat within the clock skew', svidClaims({ iat: NOW + 30, exp: NOW + 330 })],
    ['nbf within the clock skew', svidClaims({ nbf: NOW + 30 })],
    ['exactly the 24-hour cap', svidClaims({ exp: NOW + DAY })],
    [
      'a lifetime within a tightened cap',
      svidClaims(),
      {},
      { settings: { trustDomain: 'example.org', maxTokenLifetimeSeconds: 300 } },
    ],
    ['a deep path', svidClaims({ sub: 'spiffe://example.org/region/eu-1/cluster/a/ns/x/sa/y' })],
  ];

  it.each(accepted)('accepts %s', async (_name, claims, header, platform) => {
    const token = await sign(es256(keys), claims, header);
    await expect(verify(token, platformFor(keys, platform))).resolves.toBeDefined();
  });

  it('accepts keys from a plain JWK Set given inline', async () => {
    const platform = platformFor(keys, { jwks: { keys: [es256(keys).publicJwk] } });
    await expect(verify(await sign(es256(keys), svidClaims()), platform)).resolves.toBeDefined();
  });

  type RejectCase = [
    name: string,
    make: (k: Keys) => Promise<string>,
    code: string,
    words: string,
    platform?: Partial<PlatformConfig>,
  ];
  const refused: RejectCase[] = [
    [
      'EdDSA, outside JWT-SVID §2.1',
      (k) => sign(k.ed25519, svidClaims(), { alg: 'EdDSA' }),
      'algorithm_not_allowed',
      'algorithm',
    ],
    [
      'HS256 with the public key as secret',
      (k) =>
        new SignJWT(svidClaims())
          .setProtectedHeader({ alg: 'HS256', kid: 'kid-ES256', typ: 'JWT' })
          .sign(new TextEncoder().encode(JSON.stringify(es256(k).publicJwk))),
      'algorithm_not_allowed',
      'algorithm',
    ],
    [
      'alg none',
      () => Promise.resolve(unsignedToken({ alg: 'none', kid: 'kid-ES256' }, svidClaims(), 'c2ln')),
      'algorithm_not_allowed',
      'algorithm',
    ],
    ['typ at+jwt', (k) => sign(es256(k), svidClaims(), { typ: 'at+jwt' }), 'malformed', 'access token'],
    [
      'typ secevent+jwt',
      (k) => sign(es256(k), svidClaims(), { typ: 'secevent+jwt' }),
      'malformed',
      '"typ" header must be JWT or JOSE',
    ],
    [
      'typ jwt in lowercase',
      (k) => sign(es256(k), svidClaims(), { typ: 'jwt' }),
      'malformed',
      '"typ" header must be JWT or JOSE',
    ],
    ['no kid', (k) => sign(es256(k), svidClaims(), { kid: undefined }), 'malformed', 'no "kid"'],
    ['an empty kid', (k) => sign(es256(k), svidClaims(), { kid: '' }), 'malformed', 'no "kid"'],
    [
      'a crit header',
      () =>
        Promise.resolve(
          unsignedToken(
            { alg: 'ES256', kid: 'kid-ES256', crit: ['urn:x'], 'urn:x': 1 },
            svidClaims(),
            'c2ln',
          ),
        ),
      'malformed',
      'critical',
    ],
    [
      'an unknown kid',
      (k) => sign(es256(k), svidClaims(), { kid: 'rotated-away' }),
      'key_not_found',
      'no key',
    ],
    ["the trust domain's X.509 CA key", (k) => sign(k.authority, svidClaims()), 'key_not_found', 'no key'],
    [
      'a key of the wrong type for the alg',
      (k) => sign(es256(k), svidClaims(), { kid: 'kid-RS256' }),
      'key_not_found',
      'no key',
    ],
    [
      'a forged signature under a known kid',
      (k) => sign(k.impostor, svidClaims()),
      'signature_invalid',
      'signature',
    ],
    [
      'a wrong audience',
      (k) => sign(es256(k), svidClaims({ aud: ['spiffe://example.org/db'] })),
      'audience_mismatch',
      'audience',
    ],
    ['no aud (JWT-SVID §3)', (k) => sign(es256(k), svidClaims({ aud: undefined })), 'missing_claim', '"aud"'],
    ['an empty aud', (k) => sign(es256(k), svidClaims({ aud: [] })), 'missing_claim', '"aud"'],
    ['no exp (JWT-SVID §3)', (k) => sign(es256(k), svidClaims({ exp: undefined })), 'missing_claim', '"exp"'],
    [
      'an expired token',
      (k) => sign(es256(k), svidClaims({ iat: NOW - 600, exp: NOW - 61 })),
      'expired',
      'expired',
    ],
    [
      'nbf in the future',
      (k) => sign(es256(k), svidClaims({ nbf: NOW + 61 })),
      'not_yet_valid',
      'not yet valid',
    ],
    [
      'iat in the future',
      (k) => sign(es256(k), svidClaims({ iat: NOW + 61, exp: NOW + 361 })),
      'issued_in_future',
      'future',
    ],
    [
      'a lifetime over 24 h',
      (k) => sign(es256(k), svidClaims({ exp: NOW + DAY + 1 })),
      'lifetime_too_long',
      'lifetime',
    ],
    [
      'a lifetime over 24 h without iat',
      (k) => sign(es256(k), svidClaims({ iat: undefined, exp: NOW + DAY + 1 })),
      'lifetime_too_long',
      'lifetime',
    ],
    [
      'a lifetime over a tightened cap',
      (k) => sign(es256(k), svidClaims({ exp: NOW + 301 })),
      'lifetime_too_long',
      'lifetime',
      { settings: { trustDomain: 'example.org', maxTokenLifetimeSeconds: 300 } },
    ],
    [
      'no sub',
      (k) => sign(es256(k), svidClaims({ sub: undefined })),
      'missing_claim',
      '"sub" claim is missing',
    ],
    [
      'a numeric sub',
      (k) => sign(es256(k), { ...svidClaims(), sub: 42 } as unknown as JWTPayload),
      'claim_invalid',
      'not a string',
    ],
    [
      'a sub that is no SPIFFE ID',
      (k) => sign(es256(k), svidClaims({ sub: 'system:serviceaccount:a:b' })),
      'claim_invalid',
      'scheme',
    ],
    [
      'an empty path segment',
      (k) => sign(es256(k), svidClaims({ sub: 'spiffe://example.org/a//b' })),
      'claim_invalid',
      'empty segments',
    ],
    [
      'a dot segment',
      (k) => sign(es256(k), svidClaims({ sub: 'spiffe://example.org/a/../b' })),
      'claim_invalid',
      'dot segments',
    ],
    [
      'a trailing slash',
      (k) => sign(es256(k), svidClaims({ sub: 'spiffe://example.org/a/' })),
      'claim_invalid',
      'trailing slash',
    ],
    [
      'a query',
      (k) => sign(es256(k), svidClaims({ sub: 'spiffe://example.org/a?b=c' })),
      'claim_invalid',
      'path segment characters',
    ],
    [
      'a port',
      (k) => sign(es256(k), svidClaims({ sub: 'spiffe://example.org:443/a' })),
      'claim_invalid',
      'trust domain characters',
    ],
    [
      'an uppercase trust domain',
      (k) => sign(es256(k), svidClaims({ sub: 'spiffe://EXAMPLE.org/a' })),
      'claim_invalid',
      'trust domain characters',
    ],
    [
      'a SPIFFE ID over 2048 bytes',
      (k) => sign(es256(k), svidClaims({ sub: `spiffe://example.org/${'a'.repeat(2040)}` })),
      'claim_invalid',
      '2048 bytes',
    ],
    [
      'a sub in another trust domain',
      (k) => sign(es256(k), svidClaims({ sub: 'spiffe://evil.org/a' })),
      'claim_invalid',
      'not in the trust domain example.org',
    ],
    [
      'the trust domain itself as sub',
      (k) => sign(es256(k), svidClaims({ sub: 'spiffe://example.org' })),
      'claim_invalid',
      'not a workload',
    ],
    [
      'no iss when the platform names an issuer URL',
      (k) => sign(es256(k), svidClaims()),
      'issuer_not_trusted',
      'issuer',
      { issuer: OIDC_ISSUER },
    ],
    [
      'another iss when the platform names an issuer URL',
      (k) => sign(es256(k), svidClaims({ iss: 'https://elsewhere.example' })),
      'issuer_not_trusted',
      'issuer',
      { issuer: OIDC_ISSUER },
    ],
    [
      'a disabled platform',
      (k) => sign(es256(k), svidClaims()),
      'issuer_not_trusted',
      'disabled',
      { enabled: false },
    ],
  ];

  it.each(refused)('refuses %s', async (_name, make, code, words, overrides) => {
    const token = await make(keys);
    const error: unknown = await verify(token, platformFor(keys, overrides)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toContain(words);
    expect((error as Error).message).not.toContain(token.split('.')[1]!.slice(0, 20));
  });

  it('refuses a credential that is not a JWT', async () => {
    const credential = presentCredential('opaque', 'urn:example:opaque', false);
    await expect(spiffeAdapter.verify(credential, platformFor(keys), context())).rejects.toMatchObject({
      code: 'malformed',
    });
  });
});
