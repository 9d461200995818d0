import { SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { VerificationError } from '../errors/verification-error';
import { KeyResolver } from '../keys/key-resolver';
import type { VerifyContext } from '../platform-adapter';
import type { PlatformConfig } from '../platform-config';
import { createSigningKey, signToken, unsignedToken, type TestSigningKey } from '../testing/signing-key';
import { verifyJwtWith } from '../testing/verify-token';
import { kubernetesAdapter } from './kubernetes.adapter';

const NOW = 1_750_000_000;
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const AUDIENCE = 'https://broker.example/token';
const DAY = 24 * 60 * 60;

interface Keys {
  rsa: TestSigningKey;
  ec: TestSigningKey;
  impostor: TestSigningKey;
}

function projectedClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    aud: [AUDIENCE],
    exp: NOW + 3600,
    iat: NOW,
    iss: ISSUER,
    jti: '6ee3a1ee-4b4c-4a4d-9c38-4ac2c8d0a8d5',
    'kubernetes.io': {
      namespace: 'payments',
      node: { name: 'worker-1', uid: '2a3b5c7d-0e1f-4a2b-8c3d-4e5f6a7b8c9d' },
      pod: { name: 'deployer-7c9d8b6f5-x2x4k', uid: '0c1b9a42-7e35-4a1e-9d5e-3f2c7f1e0b6a' },
      serviceaccount: { name: 'deployer', uid: 'a1c2e3f4-5b6d-4c8e-9f0a-1b2c3d4e5f6a' },
      warnafter: NOW + 3000,
    },
    nbf: NOW,
    sub: 'system:serviceaccount:payments:deployer',
    ...overrides,
  };
}

function withKubernetes(changes: Record<string, unknown>): JWTPayload {
  const base = projectedClaims()['kubernetes.io'] as Record<string, unknown>;
  return projectedClaims({ 'kubernetes.io': { ...base, ...changes } });
}

function platformFor(keys: Keys, overrides: Partial<PlatformConfig> = {}): PlatformConfig {
  return {
    id: 'k8s-1',
    name: 'prod-cluster',
    kind: 'kubernetes',
    issuer: ISSUER,
    jwks: { keys: [keys.rsa.publicJwk, keys.ec.publicJwk] },
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: {},
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

describe('kubernetesAdapter.verify', () => {
  let keys: Keys;

  beforeAll(async () => {
    const [rsa, ec, impostor] = await Promise.all([
      createSigningKey('RS256', 'rsa-key'),
      createSigningKey('ES256', 'ec-key'),
      createSigningKey('RS256', 'rsa-key'),
    ]);
    keys = { rsa, ec, impostor };
  });

  it('accepts a projected token and normalizes its identity', async () => {
    const token = await signToken(keys.rsa, projectedClaims());
    const verified = await verifyJwtWith(kubernetesAdapter, token, platformFor(keys), context());
    expect(verified.identity).toEqual({
      platform: 'prod-cluster',
      kind: 'kubernetes',
      issuer: ISSUER,
      subject: 'system:serviceaccount:payments:deployer',
      audience: [AUDIENCE],
      tokenId: '6ee3a1ee-4b4c-4a4d-9c38-4ac2c8d0a8d5',
      issuedAt: NOW,
      expiresAt: NOW + 3600,
      namespace: 'payments',
      serviceAccount: 'deployer',
      serviceAccountUid: 'a1c2e3f4-5b6d-4c8e-9f0a-1b2c3d4e5f6a',
      podName: 'deployer-7c9d8b6f5-x2x4k',
      podUid: '0c1b9a42-7e35-4a1e-9d5e-3f2c7f1e0b6a',
      nodeName: 'worker-1',
      nodeUid: '2a3b5c7d-0e1f-4a2b-8c3d-4e5f6a7b8c9d',
    });
    expect(verified).toMatchObject({
      expiresAt: NOW + 3600,
      tokenId: '6ee3a1ee-4b4c-4a4d-9c38-4ac2c8d0a8d5',
    });
    expect(verified.claims['kubernetes.io']).toMatchObject({ namespace: 'payments' });
  });

  it('leaves out the fields the token does not carry', async () => {
    const claims = projectedClaims({ jti: undefined, iat: undefined, aud: AUDIENCE });
    const kubernetes = claims['kubernetes.io'] as Record<string, unknown>;
    delete kubernetes.pod;
    delete kubernetes.node;
    const token = await signToken(keys.ec, JSON.parse(JSON.stringify(claims)) as JWTPayload);
    const { identity, tokenId } = await verifyJwtWith(kubernetesAdapter, token, platformFor(keys), context());
    expect(identity.audience).toEqual([AUDIENCE]);
    for (const field of ['tokenId', 'issuedAt', 'podName', 'podUid', 'nodeName', 'nodeUid']) {
      expect(identity).not.toHaveProperty(field);
    }
    expect(tokenId).toBeUndefined();
  });

  it.each([
    ['expired within the clock skew', projectedClaims({ exp: NOW - 30, iat: NOW - 600, nbf: NOW - 600 })],
    ['nbf within the clock skew', projectedClaims({ nbf: NOW + 30, iat: NOW })],
    ['iat within the clock skew', projectedClaims({ iat: NOW + 30, nbf: NOW })],
    [
      'one accepted audience among others',
      projectedClaims({ aud: ['https://kubernetes.default.svc', AUDIENCE] }),
    ],
    ['the 10-minute minimum lifetime', projectedClaims({ exp: NOW + 600 })],
    ['a cluster-extended one-year token', projectedClaims({ exp: NOW + 365 * DAY })],
    ['exactly the 366-day default cap', projectedClaims({ exp: NOW + 366 * DAY })],
  ])('accepts %s', async (_case, claims) => {
    const token = await signToken(keys.rsa, claims);
    await expect(
      verifyJwtWith(kubernetesAdapter, token, platformFor(keys), context()),
    ).resolves.toBeDefined();
  });

  it('refuses a one-year token when the settings lower the cap to a day', async () => {
    const token = await signToken(keys.rsa, projectedClaims({ exp: NOW + 365 * DAY }));
    const lowered = platformFor(keys, { settings: { maxTokenLifetimeSeconds: DAY } });
    await expect(verifyJwtWith(kubernetesAdapter, token, lowered, context())).rejects.toMatchObject({
      code: 'lifetime_too_long',
    });
  });

  type Case = [
    name: string,
    make: (k: Keys) => Promise<string>,
    code: string,
    platform?: Partial<PlatformConfig>,
  ];
  const legacyClaims = {
    iss: ISSUER,
    'kubernetes.io/serviceaccount/namespace': 'payments',
    'kubernetes.io/serviceaccount/secret.name': 'deployer-token-x2x4k',
    'kubernetes.io/serviceaccount/service-account.name': 'deployer',
    'kubernetes.io/serviceaccount/service-account.uid': 'a1c2e3f4-5b6d-4c8e-9f0a-1b2c3d4e5f6a',
    sub: 'system:serviceaccount:payments:deployer',
  };
  const cases: Case[] = [
    ['not a JWT', () => Promise.resolve('not-a-jwt'), 'malformed'],
    ['a JWE-shaped value', () => Promise.resolve('a.b.c.d.e'), 'malformed'],
    [
      'an alg outside the allow-list',
      (k) => Promise.resolve(unsignedToken({ alg: 'RS1', kid: k.rsa.kid }, projectedClaims(), 'c2ln')),
      'algorithm_not_allowed',
    ],
    [
      'alg none',
      () => Promise.resolve(unsignedToken({ alg: 'none' }, projectedClaims())),
      'algorithm_not_allowed',
    ],
    [
      'HS256 signed with the public key as secret',
      (k) =>
        new SignJWT(projectedClaims())
          .setProtectedHeader({ alg: 'HS256', kid: k.rsa.kid })
          .sign(new TextEncoder().encode(JSON.stringify(k.rsa.publicJwk))),
      'algorithm_not_allowed',
    ],
    [
      'a crit header',
      (k) =>
        Promise.resolve(
          unsignedToken(
            { alg: 'RS256', kid: k.rsa.kid, crit: ['urn:x'], 'urn:x': 1 },
            projectedClaims(),
            'c2ln',
          ),
        ),
      'malformed',
    ],
    [
      'an access token (typ at+jwt) passed off as an identity token',
      (k) => signToken(k.rsa, projectedClaims(), { typ: 'at+jwt' }),
      'malformed',
    ],
    [
      'an access token typed application/at+jwt',
      (k) => signToken(k.rsa, projectedClaims(), { typ: 'application/AT+JWT' }),
      'malformed',
    ],
    [
      'a wrong issuer',
      (k) => signToken(k.rsa, projectedClaims({ iss: 'https://other-cluster.example' })),
      'issuer_not_trusted',
    ],
    [
      'an expired token',
      (k) => signToken(k.rsa, projectedClaims({ exp: NOW - 61, iat: NOW - 3600, nbf: NOW - 3600 })),
      'expired',
    ],
    ['nbf in the future', (k) => signToken(k.rsa, projectedClaims({ nbf: NOW + 61 })), 'not_yet_valid'],
    ['iat in the future', (k) => signToken(k.rsa, projectedClaims({ iat: NOW + 61 })), 'issued_in_future'],
    [
      'a wrong audience',
      (k) => signToken(k.rsa, projectedClaims({ aud: ['https://kubernetes.default.svc'] })),
      'audience_mismatch',
    ],
    ['no audience', (k) => signToken(k.rsa, projectedClaims({ aud: undefined })), 'missing_claim'],
    [
      'a non-string audience',
      (k) => signToken(k.rsa, { ...projectedClaims(), aud: [42] } as unknown as JWTPayload),
      'claim_invalid',
    ],
    ['a missing exp', (k) => signToken(k.rsa, projectedClaims({ exp: undefined })), 'legacy_token'],
    ['a legacy Secret-based token', (k) => signToken(k.rsa, legacyClaims), 'legacy_token'],
    [
      'legacy claim names with exp and aud',
      (k) => signToken(k.rsa, { ...legacyClaims, exp: NOW + 600, aud: [AUDIENCE] }),
      'legacy_token',
    ],
    [
      'a ten-year lifetime',
      (k) => signToken(k.rsa, projectedClaims({ exp: NOW + 3650 * DAY })),
      'lifetime_too_long',
    ],
    [
      'a lifetime over the cap without iat',
      (k) => signToken(k.rsa, projectedClaims({ iat: undefined, exp: NOW + 400 * DAY })),
      'lifetime_too_long',
    ],
    [
      'a lifetime over a lowered cap',
      (k) => signToken(k.rsa, projectedClaims({ exp: NOW + 3600 })),
      'lifetime_too_long',
      { settings: { maxTokenLifetimeSeconds: 600 } },
    ],
    [
      'no kubernetes.io claim',
      (k) => signToken(k.rsa, projectedClaims({ 'kubernetes.io': undefined })),
      'missing_claim',
    ],
    [
      'a kubernetes.io claim that is not an object',
      (k) => signToken(k.rsa, projectedClaims({ 'kubernetes.io': 'payments' })),
      'claim_invalid',
    ],
    ['no namespace', (k) => signToken(k.rsa, withKubernetes({ namespace: undefined })), 'missing_claim'],
    [
      'no service account',
      (k) => signToken(k.rsa, withKubernetes({ serviceaccount: undefined })),
      'missing_claim',
    ],
    [
      'no service account uid',
      (k) => signToken(k.rsa, withKubernetes({ serviceaccount: { name: 'deployer' } })),
      'missing_claim',
    ],
    [
      'a numeric pod uid',
      (k) => signToken(k.rsa, withKubernetes({ pod: { name: 'p', uid: 7 } })),
      'claim_invalid',
    ],
    ['no sub', (k) => signToken(k.rsa, projectedClaims({ sub: undefined })), 'missing_claim'],
    [
      'a sub that does not name the service account',
      (k) => signToken(k.rsa, projectedClaims({ sub: 'system:serviceaccount:payments:admin' })),
      'claim_invalid',
    ],
    ['a bad signature', (k) => signToken(k.impostor, projectedClaims()), 'signature_invalid'],
    ['an unknown kid', (k) => signToken(k.rsa, projectedClaims(), { kid: 'rotated-away' }), 'key_not_found'],
    [
      'a key of the wrong type for the alg',
      (k) => signToken(k.rsa, projectedClaims(), { kid: k.ec.kid }),
      'key_not_found',
    ],
  ];

  it.each(cases)('refuses %s', async (_name, make, code, overrides) => {
    const token = await make(keys);
    const error: unknown = await verifyJwtWith(
      kubernetesAdapter,
      token,
      platformFor(keys, overrides),
      context(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ code });
    const payload = token.split('.')[1] ?? '';
    expect((error as Error).message).not.toContain(payload.slice(0, 20) || '\u0000');
  });
});

describe('kubernetesAdapter.settingsSchema', () => {
  it.each([
    [{}, true],
    [{ maxTokenLifetimeSeconds: 3600 }, true],
    [{ maxTokenLifetimeSeconds: 0 }, false],
    [{ maxTokenLifetimeSeconds: 1.5 }, false],
    [{ maxTokenLifetimeSeconds: '3600' }, false],
    [{ trustDomain: 'example.org' }, false],
  ])('%j is valid: %s', (settings, valid) => {
    expect(kubernetesAdapter.settingsSchema.safeParse(settings).success).toBe(valid);
  });
});

describe('kubernetesAdapter.registrationProblems', () => {
  const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] };
  const base = {
    name: 'prod-cluster',
    kind: 'kubernetes' as const,
    issuer: ISSUER,
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: {},
    enabled: true,
  };

  it.each([
    ['an https issuer with discovery', {}, false, []],
    ['an https issuer with a jwksUri', { jwksUri: 'https://10.0.0.1/openid/v1/jwks' }, false, []],
    ['a non-URL issuer with inline jwks', { issuer: 'kubernetes/serviceaccount', jwks }, false, []],
    ['an http loopback issuer', { issuer: 'http://127.0.0.1:8443' }, false, []],
    ['an http issuer when allowHttp', { issuer: 'http://cluster.internal' }, true, []],
    ['a non-URL issuer without inline jwks', { issuer: 'kubernetes/serviceaccount' }, false, ['issuer']],
    ['an http non-loopback issuer', { issuer: 'http://cluster.internal' }, false, ['issuer']],
    ['an http non-loopback jwksUri', { jwksUri: 'http://10.0.0.1/openid/v1/jwks' }, false, ['jwksUri']],
    ['both jwks and jwksUri', { jwks, jwksUri: 'https://10.0.0.1/openid/v1/jwks' }, false, ['jwksUri']],
    ['an empty jwks, saved and reported by the key probe', { jwks: { keys: [] } }, false, []],
    ['a jwks without a keys list', { jwks: { keys: 'none' } as never }, false, ['jwks']],
    ['a private key in jwks', { jwks: { keys: [{ ...jwks.keys[0], d: 'secret' }] } }, false, ['jwks.keys.0']],
    ['a symmetric key in jwks', { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, false, ['jwks.keys.0']],
    [
      'a short RSA key in jwks',
      { jwks: { keys: [{ kty: 'RSA', e: 'AQAB', n: 'c2hvcnQ' }] } },
      false,
      ['jwks.keys.0'],
    ],
    ['a caBundle that is not PEM', { caBundle: 'not a certificate' }, false, ['caBundle']],
    ['no audiences', { audiences: [] }, false, ['audiences']],
    ['a negative clock skew', { clockSkewSeconds: -1 }, false, ['clockSkewSeconds']],
  ])('%s', (_name, overrides, allowHttp, fields) => {
    const problems = kubernetesAdapter.registrationProblems({ ...base, ...overrides }, allowHttp);
    expect(problems.map((p) => p.field)).toEqual(fields);
  });
});
