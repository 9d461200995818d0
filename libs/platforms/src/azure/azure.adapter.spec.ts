import { SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { presentCredential } from '../credential/present-credential';
import type { PresentedCredential } from '../credential/presented-credential';
import { VerificationError } from '../errors/verification-error';
import { KeyResolver } from '../keys/key-resolver';
import type { VerifyContext } from '../platform-adapter';
import type { PlatformConfig } from '../platform-config';
import { JWT_TOKEN_TYPES } from '../registry/adapter-registry';
import { createSigningKey, signToken, unsignedToken, type TestSigningKey } from '../testing/signing-key';
import { azureAdapter } from './azure.adapter';

const NOW = 1_770_000_000;
const HOUR = 3600;
const TENANT = '5c1a2f8e-3b7d-4e90-a6c4-2d8f1e9b7a03';
const OTHER_TENANT = 'e8d7c6b5-a4f3-4e2d-9c1b-0a9f8e7d6c5b';
const OBJECT_ID = '9f4b2c1d-6e8a-4f3b-b7c5-1d2e3f4a5b6c';
const CLIENT_ID = '2a7e9c4b-1f3d-4b8a-9e6c-5d4f3a2b1c0e';
const SUBSCRIPTION = '7d3e1a9c-5b2f-4c8d-a1e6-9f0b2c3d4e5a';
const MANAGED_IDENTITY = `/subscriptions/${SUBSCRIPTION}/resourcegroups/Payments-Prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/deployer`;
const AUDIENCE = 'api://fedbroker';
const V1 = `https://sts.windows.net/${TENANT}/`;
const V2 = `https://login.microsoftonline.com/${TENANT}/v2.0`;
const [JWT_TYPE = ''] = JWT_TOKEN_TYPES;

interface Keys {
  entra: TestSigningKey;
  ec: TestSigningKey;
  impostor: TestSigningKey;
}

/** The claims of a managed identity's token as IMDS returns it (v1: `appid`; v2: `azp`). */
function entraClaims(version: 1 | 2, overrides: JWTPayload = {}): JWTPayload {
  return {
    aud: AUDIENCE,
    iss: version === 1 ? V1 : V2,
    iat: NOW,
    nbf: NOW,
    exp: NOW + 86_700,
    aio: 'E2RgYJj4v8mWvSjTxX5N3k9hAA==',
    ...(version === 1 ? { appid: CLIENT_ID, appidacr: '2', idp: V1 } : { azp: CLIENT_ID, azpacr: '2' }),
    idtyp: 'app',
    oid: OBJECT_ID,
    rh: '0.AQ4AMkI7lA9x20yHYLW_F3fMDkZIf3kAutdPukPawfj2MBMOAAA.',
    sub: OBJECT_ID,
    tid: TENANT,
    uti: 'kXz1fXh0R0yq3V8b6l2eAA',
    ver: version === 1 ? '1.0' : '2.0',
    xms_mirid: MANAGED_IDENTITY,
    ...overrides,
  };
}

function sign(
  key: TestSigningKey,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return signToken(key, claims, { typ: 'JWT', x5t: key.kid, ...header });
}

function platformFor(keys: Keys, overrides: Partial<PlatformConfig> = {}): PlatformConfig {
  return {
    id: 'azure-1',
    name: 'contoso',
    kind: 'azure',
    issuer: V1,
    jwks: { keys: [keys.entra.publicJwk, keys.ec.publicJwk] },
    audiences: [AUDIENCE],
    clockSkewSeconds: 60,
    settings: { tenantId: TENANT },
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

const jwt = (token: string): PresentedCredential => presentCredential(token, JWT_TYPE, true);

describe('azureAdapter.verify with Entra access tokens', () => {
  let keys: Keys;

  beforeAll(async () => {
    const [entra, ec, impostor] = await Promise.all([
      createSigningKey('RS256', 'nOo3ZDrODXEK1jKWhXslHR_KXEg'),
      createSigningKey('ES256', 'ec-key'),
      createSigningKey('RS256', 'nOo3ZDrODXEK1jKWhXslHR_KXEg'),
    ]);
    keys = { entra, ec, impostor };
  });

  it('accepts a v1 managed-identity token and normalizes its identity', async () => {
    const token = await sign(keys.entra, entraClaims(1));
    const verified = await azureAdapter.verify(jwt(token), platformFor(keys), context());
    expect(verified.identity).toEqual({
      platform: 'contoso',
      kind: 'azure',
      issuer: V1,
      subject: OBJECT_ID,
      audience: [AUDIENCE],
      tokenId: 'kXz1fXh0R0yq3V8b6l2eAA',
      issuedAt: NOW,
      expiresAt: NOW + 86_700,
      tenantId: TENANT,
      objectId: OBJECT_ID,
      appId: CLIENT_ID,
      managedIdentityResourceId: MANAGED_IDENTITY,
      subscriptionId: SUBSCRIPTION,
      resourceGroup: 'Payments-Prod',
    });
    expect(verified).toMatchObject({
      expiresAt: NOW + 86_700,
      tokenId: 'kXz1fXh0R0yq3V8b6l2eAA',
      replayKey: `jti ${V1} kXz1fXh0R0yq3V8b6l2eAA`,
    });
    expect(verified.claims.xms_mirid).toBe(MANAGED_IDENTITY);
  });

  it('accepts the v2 form of the same tenant, with the client from azp', async () => {
    const token = await sign(keys.entra, entraClaims(2));
    const { identity } = await azureAdapter.verify(jwt(token), platformFor(keys), context());
    expect(identity).toMatchObject({ issuer: V2, tenantId: TENANT, objectId: OBJECT_ID, appId: CLIENT_ID });
  });

  it('leaves out what an app token without a managed identity does not carry, and lowercases GUIDs', async () => {
    const claims = entraClaims(1, {
      appid: '',
      uti: null,
      xms_mirid: undefined,
      oid: OBJECT_ID.toUpperCase(),
    });
    const token = await sign(keys.entra, JSON.parse(JSON.stringify(claims)) as JWTPayload);
    const { identity, tokenId, replayKey } = await azureAdapter.verify(
      jwt(token),
      platformFor(keys),
      context(),
    );
    expect(identity.objectId).toBe(OBJECT_ID);
    for (const field of [
      'appId',
      'tokenId',
      'managedIdentityResourceId',
      'subscriptionId',
      'resourceGroup',
      'vmId',
    ]) {
      expect(identity).not.toHaveProperty(field);
    }
    expect(tokenId).toBeUndefined();
    expect(replayKey).toMatch(/^sha256 /);
  });

  it.each([
    ['the v2 issuer when the platform is registered with it', entraClaims(1), { issuer: V2 }],
    ['a token of 24 h 5 min, as IMDS issues them', entraClaims(1)],
    ['exactly the 25 h cap', entraClaims(1, { exp: NOW + 25 * HOUR })],
    [
      'a lowered cap the token meets',
      entraClaims(1, { exp: NOW + HOUR }),
      { settings: { tenantId: TENANT, maxTokenLifetimeSeconds: HOUR } },
    ],
    [
      'expiry within the clock skew',
      entraClaims(1, { iat: NOW - 2 * HOUR, nbf: NOW - 2 * HOUR, exp: NOW - 30 }),
    ],
    ['nbf within the clock skew', entraClaims(1, { nbf: NOW + 30 })],
    [
      'one accepted audience among others',
      entraClaims(1, { aud: ['https://management.azure.com/', AUDIENCE] }),
    ],
    ['a token without ver', entraClaims(1, { ver: undefined })],
  ] as [string, JWTPayload, Partial<PlatformConfig>?][])('accepts %s', async (_case, claims, overrides) => {
    const token = await sign(keys.entra, JSON.parse(JSON.stringify(claims)) as JWTPayload);
    await expect(
      azureAdapter.verify(jwt(token), platformFor(keys, overrides), context()),
    ).resolves.toBeDefined();
  });

  type Case = [
    name: string,
    make: (k: Keys) => Promise<string | PresentedCredential>,
    code: string,
    words: RegExp,
    platform?: Partial<PlatformConfig>,
  ];
  const cases: Case[] = [
    [
      'a credential that is not a JWT',
      () => Promise.resolve({ token: 'opaque', type: JWT_TYPE, jwt: undefined }),
      'malformed',
      /not a JWT/,
    ],
    [
      'a Microsoft Graph token (header nonce)',
      (k) => sign(k.entra, entraClaims(1), { nonce: 'c2VjcmV0LW5vbmNlLWhhc2hlZC1ieS1ncmFwaA' }),
      'malformed',
      /header nonce/,
    ],
    [
      'an ES256 token, which Entra never signs',
      (k) => sign(k.ec, entraClaims(1)),
      'algorithm_not_allowed',
      /algorithm/,
    ],
    [
      'alg none',
      () => Promise.resolve(unsignedToken({ alg: 'none', typ: 'JWT' }, entraClaims(1), 'c2ln')),
      'algorithm_not_allowed',
      /algorithm/,
    ],
    [
      'HS256 signed with the public key as secret',
      (k) =>
        new SignJWT(entraClaims(1))
          .setProtectedHeader({ alg: 'HS256', kid: k.entra.kid })
          .sign(new TextEncoder().encode(JSON.stringify(k.entra.publicJwk))),
      'algorithm_not_allowed',
      /algorithm/,
    ],
    [
      'an access token typed at+jwt',
      (k) => sign(k.entra, entraClaims(2), { typ: 'at+jwt' }),
      'malformed',
      /access token/,
    ],
    [
      "another tenant's token, signed with the shared keys",
      (k) =>
        sign(k.entra, entraClaims(1, { iss: `https://sts.windows.net/${OTHER_TENANT}/`, tid: OTHER_TENANT })),
      'issuer_not_trusted',
      /issuer/,
    ],
    [
      'the tenant in upper case in the issuer',
      (k) => sign(k.entra, entraClaims(1, { iss: V1.toUpperCase() })),
      'issuer_not_trusted',
      /issuer/,
    ],
    [
      'the v1 path on the v2 host',
      (k) => sign(k.entra, entraClaims(1, { iss: `https://login.microsoftonline.com/${TENANT}/` })),
      'issuer_not_trusted',
      /issuer/,
    ],
    [
      'a tid of another tenant under the right issuer',
      (k) => sign(k.entra, entraClaims(1, { tid: OTHER_TENANT })),
      'claim_invalid',
      /"tid" claim is not the platform's tenant/,
    ],
    [
      'no tid',
      (k) => sign(k.entra, entraClaims(1, { tid: undefined })),
      'missing_claim',
      /"tid" claim is missing/,
    ],
    [
      'ver 2.0 under the v1 issuer',
      (k) => sign(k.entra, entraClaims(1, { ver: '2.0' })),
      'claim_invalid',
      /"ver" claim does not match the issuer/,
    ],
    [
      'no oid',
      (k) => sign(k.entra, entraClaims(1, { oid: undefined })),
      'missing_claim',
      /"oid" claim is missing/,
    ],
    [
      'an oid that is no GUID',
      (k) => sign(k.entra, entraClaims(1, { oid: 'deployer' })),
      'claim_invalid',
      /"oid" claim is not a GUID/,
    ],
    [
      'no sub',
      (k) => sign(k.entra, entraClaims(1, { sub: undefined })),
      'missing_claim',
      /"sub" claim is missing/,
    ],
    [
      'a numeric appid',
      (k) => sign(k.entra, entraClaims(1, { appid: 42 })),
      'claim_invalid',
      /"appid" claim is invalid/,
    ],
    [
      'an xms_mirid that is no resource ID',
      (k) => sign(k.entra, entraClaims(1, { xms_mirid: 'deployer' })),
      'claim_invalid',
      /"xms_mirid" claim is not an Azure resource ID/,
    ],
    [
      'an expired token',
      (k) => sign(k.entra, entraClaims(1, { iat: NOW - 30 * HOUR, nbf: NOW - 30 * HOUR, exp: NOW - 61 })),
      'expired',
      /expired/,
    ],
    [
      'nbf in the future',
      (k) => sign(k.entra, entraClaims(1, { nbf: NOW + 61 })),
      'not_yet_valid',
      /not yet valid/,
    ],
    [
      'iat in the future',
      (k) => sign(k.entra, entraClaims(1, { iat: NOW + 61 })),
      'issued_in_future',
      /in the future/,
    ],
    [
      "ARM's audience",
      (k) => sign(k.entra, entraClaims(1, { aud: 'https://management.azure.com/' })),
      'audience_mismatch',
      /audience/,
    ],
    [
      'no audience',
      (k) => sign(k.entra, entraClaims(1, { aud: undefined })),
      'missing_claim',
      /"aud" claim is missing/,
    ],
    [
      'a lifetime one second over 25 h',
      (k) => sign(k.entra, entraClaims(1, { exp: NOW + 25 * HOUR + 1 })),
      'lifetime_too_long',
      /lifetime/,
    ],
    [
      'a lifetime over a lowered cap',
      (k) => sign(k.entra, entraClaims(1)),
      'lifetime_too_long',
      /lifetime/,
      { settings: { tenantId: TENANT, maxTokenLifetimeSeconds: 24 * HOUR } },
    ],
    ['a bad signature', (k) => sign(k.impostor, entraClaims(1)), 'signature_invalid', /signature/],
    [
      'an unknown kid',
      (k) => sign(k.entra, entraClaims(1), { kid: 'rotated-away' }),
      'key_not_found',
      /no key/,
    ],
    [
      'a disabled platform',
      (k) => sign(k.entra, entraClaims(1)),
      'issuer_not_trusted',
      /disabled/,
      { enabled: false },
    ],
  ];

  it.each(cases)('refuses %s', async (_name, make, code, words, overrides) => {
    const made = await make(keys);
    const credential = typeof made === 'string' ? jwt(made) : made;
    const error: unknown = await azureAdapter
      .verify(credential, platformFor(keys, overrides), context())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toMatch(words);
  });
});
